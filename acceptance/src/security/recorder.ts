// A recording proxy in front of the local GitHub server: the server keeps only each comment's last
// body, and an edit overwrites the one before, so every request body is captured here as it
// arrived, to be scanned like everything else the runs sent out.
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedBody {
  method: string;
  path: string;
  body: string;
}

export interface RecordingProxy {
  url: string;
  bodies: RecordedBody[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const bodies: RecordedBody[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      bodies.push({ method: req.method ?? "GET", path: req.url ?? "/", body: body.toString("utf8") });
      const headers = { ...req.headers, host: upstream.host };
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on("error", (error) => {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `proxy: ${error.message}` }));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
