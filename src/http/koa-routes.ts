/** A koa router for one area of the route table (routes.ts), each route bound to its handler by name. */
import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { NotFound } from '../oauth/errors.js';
import { ROUTES, type Method, type Route, type ServedRoute } from './routes.js';

export type Handlers<A extends Route['area']> = Record<ServedRoute<A>['name'], Middleware>;

export function routerFor<A extends Route['area']>(area: A, handlers: Handlers<A>): Router {
  const router = new Router();
  for (const route of ROUTES) {
    if (route.area !== area) continue;
    const handler = 'served' in route ? notServedYet : (handlers[route.name as ServedRoute<A>['name']] as Middleware);
    for (const method of route.methods) bind(router, method, route.name, route.path, handler);
  }
  return router;
}

/** Named as in the table (so `router.url(name)` works too). GET also registers HEAD. */
function bind(router: Router, method: Method, name: string, path: string, handler: Middleware): void {
  if (method === 'GET') router.get(name, path, handler);
  else if (method === 'POST') router.post(name, path, handler);
  else if (method === 'PATCH') router.patch(name, path, handler);
  else router.delete(name, path, handler);
}

// NOTE(emulator): an endpoint Auth0 has (discovery names it) that the emulator does not serve yet answers
// 404 `not_found` saying so, rather than the plain "Not found" of a path no Auth0 tenant has.
function notServedYet(ctx: Context): never {
  throw new NotFound(`The emulator does not serve ${ctx.method} ${ctx.path} yet`);
}
