/**
 * The ZeroMQ side: tslab's ZmqServer (sockets, message signing, heartbeat, status messages,
 * inspect/complete/is_complete/shutdown through tslab's JupyterHandlerImpl) with three message
 * types taken over:
 * - execute_request, served by LatentKernel with an IOPub channel that can publish any message
 *   type (tslab's handler interface can only send streams and display data);
 * - kernel_info_request, to name this kernel;
 * - comm_info_request, which tslab answers with a reply of the wrong type (complete_reply).
 */
import { JupyterHandlerImpl, ZmqServer } from 'tslab/dist/jupyter';
import { versions as tslabVersions } from 'tslab';
import type { IopubChannel, LatentKernel } from './kernel.js';
import { KERNEL_DISPLAY_NAME } from './kernelspec.js';

/** tslab's (unexported) message class, as its server methods receive it. */
type ShellMessage = Parameters<ZmqServer['handleExecute']>[1];
type KernelInfo = ReturnType<JupyterHandlerImpl['handleKernel']>;

/** The kernel_info reply: tslab's language info (TypeScript, CodeMirror mode) under our name. */
export function kernelInfo(base: KernelInfo, packageVersion: string): KernelInfo {
  return {
    ...base,
    implementation: 'latent-thinking',
    implementation_version: packageVersion,
    language_info: { ...base.language_info, name: 'typescript', version: tslabVersions.typescript },
    banner: `${KERNEL_DISPLAY_NAME} ${packageVersion}: tslab ${tslabVersions.tslab}, TypeScript ${tslabVersions.typescript}, Node ${process.version}`,
  };
}

export class LatentZmqServer extends ZmqServer {
  constructor(
    private readonly kernel: LatentKernel,
    private readonly packageVersion: string,
    connectionFile: string,
  ) {
    super(new JupyterHandlerImpl(kernel.executor, false), connectionFile);
  }

  override handleKernelInfo(sock: unknown, msg: ShellMessage): void {
    const reply = msg.createReply();
    reply.header.msg_type = 'kernel_info_reply';
    reply.content = kernelInfo(this.handler.handleKernel(), this.packageVersion);
    reply.signAndSend(this.connInfo.key, sock);
  }

  override async handleExecute(sock: unknown, msg: ShellMessage): Promise<void> {
    const iopub: IopubChannel = {
      publish: (msgType, content) => {
        const message = msg.createReply();
        message.header.msg_type = msgType;
        message.content = content;
        message.signAndSend(this.connInfo.key, this.iopub);
      },
    };
    const content = await this.kernel.execute(msg.content as Parameters<LatentKernel['execute']>[0], iopub);
    const reply = msg.createReply();
    reply.header.msg_type = 'execute_reply';
    reply.content = content;
    reply.signAndSend(this.connInfo.key, sock);
  }

  override handleCommInfoRequest(sock: Parameters<ZmqServer['handleCommInfoRequest']>[0], msg: ShellMessage): void {
    // No comm support (no ipywidgets) yet: an empty, correctly typed reply.
    const reply = msg.createReply();
    reply.header.msg_type = 'comm_info_reply';
    reply.content = { status: 'ok', comms: {} };
    reply.signAndSend(this.connInfo.key, sock);
  }

  override close(): void {
    super.close();
    // Sockets are closed; leave even if a library (a tensor backend thread pool) keeps the
    // event loop alive. The timer itself does not.
    setTimeout(() => process.exit(0), 500).unref();
  }
}
