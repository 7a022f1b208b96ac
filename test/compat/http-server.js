/** A request listener (express, koa, node:http) on a free loopback port, and how the rows call its protected route. */
import { createServer } from 'node:http';

export async function serve(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/api/private`;
  return {
    /** GET /api/private with the token: 200 is accepted, 401 rejected, anything else an error. */
    async accepts(token) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status === 200) return true;
      if (res.status === 401) return false;
      throw new Error(`GET /api/private answered ${res.status}`);
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
