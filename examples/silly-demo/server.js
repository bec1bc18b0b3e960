// The example app, like the seed's silly demo: GET / answers a fixed line,
// POST /video?id=..&title=.. stores a video in memory, GET /videos lists them.
// It listens on $PORT (default 8080) at $HOST, or the pod's own address
// where the local test cluster gives one ($POD_IP), or all interfaces.
import { createServer } from "node:http";
import { message } from "./message.js";

const videos = [];
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? process.env.POD_IP ?? "0.0.0.0";

const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (request.method === "GET" && url.pathname === "/") {
    response.end(`${message}\n`);
  } else if (request.method === "POST" && url.pathname === "/video") {
    videos.push({ id: url.searchParams.get("id"), title: url.searchParams.get("title") });
    response.statusCode = 201;
    response.end();
  } else if (request.method === "GET" && url.pathname === "/videos") {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify(videos));
  } else {
    response.statusCode = 404;
    response.end("not found\n");
  }
});
server.listen(port, host, () => console.log(`silly demo listening on ${host}:${port}`));
