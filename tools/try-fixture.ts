import { initBackend } from '../src/tensor/backend.js';
import { checkFixture } from '../src/model/fixture-check.js';
(async () => {
  const info = await initBackend();
  console.log(info.name);
  for (const d of ['../shared/fixtures/huginn-tiny', '../shared/fixtures/huginn-tiny-bf16-sharded']) console.log(JSON.stringify(await checkFixture(d)));
})();
