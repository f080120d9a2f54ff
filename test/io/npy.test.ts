import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, readNpy, readNpyHeader } from '../../src/io/npy.js';

let root: string;
before(() => (root = mkdtempSync(join(tmpdir(), 'lto-npy-'))));
after(() => rmSync(root, { recursive: true, force: true }));

// Written by numpy 2 (np.save): arange(6, dtype='<f8').reshape(2, 3) / 4, and float16 [[1.5, -2], [0.25, 65504]].
const NUMPY_F8 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAANA/AAAAAAAA4D8AAAAAAADoPwAAAAAAAPA/AAAAAAAA9D8=';
const NUMPY_F2 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPgDAADT/ew==';
// np.save of arange(6, dtype='<f4').reshape(3, 2): what encodeNpy must reproduce byte for byte.
const NUMPY_F4 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=';

function file(name: string, base64: string): string {
  const path = join(root, name);
  writeFileSync(path, Buffer.from(base64, 'base64'));
  return path;
}

test('reads files written by numpy (float64, float16)', async () => {
  assert.deepEqual(await readNpy(file('f8.npy', NUMPY_F8)), { data: Float32Array.from([0, 0.25, 0.5, 0.75, 1, 1.25]), shape: [2, 3] });
  assert.deepEqual(await readNpy(file('f2.npy', NUMPY_F2)), { data: Float32Array.from([1.5, -2, 0.25, 65504]), shape: [2, 2] });
  assert.equal((await readNpyHeader(join(root, 'f2.npy'))).dtype, '<f2');
});

test('encodeNpy writes what numpy writes', () => {
  assert.equal(Buffer.from(encodeNpy(Float32Array.from([0, 1, 2, 3, 4, 5]), [3, 2])).toString('base64'), NUMPY_F4);
});

test('wrong magic, unsupported dtype, Fortran order and a short file are clear errors', async () => {
  const f8 = Buffer.from(NUMPY_F8, 'base64');
  const patched = (from: string, to: string) => Buffer.from(f8.toString('latin1').replace(from, to), 'latin1');
  writeFileSync(join(root, 'magic.npy'), 'NUMPY....');
  await assert.rejects(readNpy(join(root, 'magic.npy')), /magic\.npy: not a \.npy file/);
  writeFileSync(join(root, 'big.npy'), patched("'<f8'", "'>f8'"));
  await assert.rejects(readNpy(join(root, 'big.npy')), /dtype >f8 is not supported/);
  writeFileSync(join(root, 'fortran.npy'), patched('False', 'True '));
  await assert.rejects(readNpy(join(root, 'fortran.npy')), /Fortran-ordered arrays are not supported/);
  writeFileSync(join(root, 'short.npy'), f8.subarray(0, f8.length - 8));
  await assert.rejects(readNpy(join(root, 'short.npy')), /shape \(2, 3\) of <f8 needs 48 data bytes, the file has 40/);
});
