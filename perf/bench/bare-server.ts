/** The baseline for bench:gateway: a bare node:http handler answering with fixed bytes. */
import { createServer } from 'node:http';

const body = process.argv[2] ?? '{}';
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    response.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.(typeof address === 'object' && address ? address.port : 0);
});
