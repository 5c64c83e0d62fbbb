// A local server on 127.0.0.1 speaking the OpenAI chat-completions API (`POST …/chat/completions`),
// as Ollama, vLLM, LM Studio, OpenAI and OpenRouter do, so model runners are tested through the
// real AI SDK and real HTTP: plain and streamed (SSE) replies, usage fields, and scripted faults.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One chat-completions request the server received, in arrival order. */
export interface ChatRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The `Authorization` header as sent (`Bearer …`), if any. */
  authorization: string | undefined;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: Record<string, unknown> | undefined;
  model: string | undefined;
  messages: { role: string; content: unknown }[];
  stream: boolean;
  /** What the server did with it: a status it sent, or the fault it played. */
  handledAs: string;
  /**
   * Resolves once the client closed the connection before the server finished its response (an
   * abort seen from the wire); stays pending while the response completes normally.
   */
  clientClosed: Promise<void>;
}

/**
 * A scripted fault for the next request(s):
 * - `status`: that HTTP status with an OpenAI-style error body (and `retry-after` seconds, or any
 *   other `headers`, if given);
 * - `malformed`: 200 with a body (or, streamed, a chunk) that is not JSON;
 * - `hang`: accepts the request and never answers (streamed: after the first chunk);
 * - `huge`: a reply whose content is `bytes` long (a hostile or runaway model);
 * - `no-usage`: a normal reply without usage fields.
 */
export type ChatFault =
  | { kind: "status"; status: number; retryAfterSec?: number; headers?: Record<string, string>; message?: string }
  | { kind: "malformed" }
  | { kind: "hang" }
  | { kind: "huge"; bytes: number }
  | { kind: "no-usage" };

export interface ChatCompletionsServerOptions {
  /** The assistant's reply to a request. @default echoes the last user message as `echo: <text>` */
  reply?: (request: ChatRequest) => string;
  /** Usage reported for a reply (OpenAI's `prompt_tokens`/`completion_tokens`). @default { prompt: 11, completion: 7 } */
  usage?: { prompt: number; completion: number };
  /** Characters per streamed content chunk. @default 8 */
  chunkChars?: number;
  /** A fault chosen per request (by its model, say), consulted when no scripted fault is queued. @default none */
  fault?: (request: ChatRequest) => ChatFault | undefined;
}

export interface ChatCompletionsServer {
  /** Base URL for an OpenAI-compatible provider: `http://127.0.0.1:<port>/v1`. */
  url: string;
  requests: ChatRequest[];
  /** Plays `fault` for the next `count` requests (queued after faults already scripted). */
  failNext(fault: ChatFault, count?: number): void;
  /** Closes every connection (hung ones included) and the server. */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the socket to take more, or for the client to go away; leaves no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

const lastUserText = (messages: ChatRequest["messages"]): string => {
  const content = [...messages].reverse().find((m) => m.role === "user")?.content;
  if (typeof content === "string") return content;
  // The AI SDK may send content parts: [{ type: "text", text }].
  if (Array.isArray(content)) return content.map((part) => (part as { text?: string }).text ?? "").join("");
  return "";
};

/**
 * Starts the server. Unscripted requests get a 200 reply (plain JSON, or SSE when the body says
 * `stream: true`, with a usage chunk when `stream_options.include_usage` is set).
 * @example const server = await startChatCompletionsServer(); server.failNext({ kind: "status", status: 429, retryAfterSec: 1 });
 */
export async function startChatCompletionsServer(options: ChatCompletionsServerOptions = {}): Promise<ChatCompletionsServer> {
  const requests: ChatRequest[] = [];
  const faults: ChatFault[] = [];
  const usage = options.usage ?? { prompt: 11, completion: 7 };
  const chunkChars = options.chunkChars ?? 8;
  const reply = options.reply ?? ((request: ChatRequest) => `echo: ${lastUserText(request.messages)}`);
  let sequence = 0;

  const usageJson = { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion };
  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const body = parseJson(raw);
    let clientClosed!: () => void;
    const request: ChatRequest = {
      path: req.url ?? "",
      headers: req.headers,
      authorization: req.headers.authorization,
      body,
      model: typeof body?.model === "string" ? body.model : undefined,
      messages: Array.isArray(body?.messages) ? (body.messages as ChatRequest["messages"]) : [],
      stream: body?.stream === true,
      handledAs: "",
      clientClosed: new Promise<void>((resolve) => (clientClosed = resolve)),
    };
    requests.push(request);
    // `close` before the response was fully written: the client went away (an abort).
    res.on("close", () => {
      if (!res.writableFinished) clientClosed();
    });

    if (req.method !== "POST" || !request.path.endsWith("/chat/completions")) {
      request.handledAs = "404";
      sendJson(res, 404, { error: { message: `no route ${req.method} ${request.path}`, type: "invalid_request_error" } });
      return;
    }
    if (body === undefined) {
      request.handledAs = "400";
      sendJson(res, 400, { error: { message: "request body is not JSON", type: "invalid_request_error" } });
      return;
    }

    const fault = faults.shift() ?? options.fault?.(request);
    request.handledAs = fault ? (fault.kind === "status" ? String(fault.status) : fault.kind) : "200";
    if (fault?.kind === "status") {
      const headers: Record<string, string> = { ...(fault.retryAfterSec !== undefined ? { "retry-after": String(fault.retryAfterSec) } : {}), ...fault.headers };
      sendJson(res, fault.status, { error: { message: fault.message ?? `scripted ${fault.status}`, type: "server_error", code: null } }, headers);
      return;
    }
    if (fault?.kind === "hang" && !request.stream) return; // never answers; the client must give up

    const id = `chatcmpl-${++sequence}`;
    const created = Math.floor(Date.now() / 1000);
    const model = request.model ?? "unknown";
    const content = fault?.kind === "huge" ? "x".repeat(fault.bytes) : reply(request);
    const withUsage = fault?.kind !== "no-usage";

    if (!request.stream) {
      if (fault?.kind === "malformed") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`{"id":"${id}","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"cut`);
        return;
      }
      sendJson(res, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        ...(withUsage ? { usage: usageJson } : {}),
      });
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }));
    if (fault?.kind === "hang") return; // headers and a first chunk, then silence
    if (fault?.kind === "malformed") {
      res.end("data: {not json\n\n");
      return;
    }
    // Big replies go out in big pieces: the point is the volume, not the chunk count.
    const step = fault?.kind === "huge" ? 64 * 1024 : chunkChars;
    for (let i = 0; i < content.length; i += step) {
      if (res.destroyed) return;
      const ok = res.write(chunk({ content: content.slice(i, i + step) }));
      if (!ok) await drainedOrClosed(res);
    }
    if (res.destroyed) return;
    res.write(chunk({}, "stop"));
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    if (withUsage && streamOptions?.include_usage === true) {
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage: usageJson })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext(fault, count = 1) {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
