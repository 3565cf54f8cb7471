/**
 * The fleet's keys in etcd, all under fleet.prefix (the one module that knows them):
 *
 *   PREFIX/account            the certbot account, encrypted (account.ts)
 *   PREFIX/certs/NAME         the published certificate of NAME (record.ts)
 *   PREFIX/orders/NAME        an order in progress, and its result once certbot saved it (order.ts)
 *   PREFIX/nodes/NODE         what NODE has installed, with the node's own lease (node-status.ts)
 *   PREFIX/election/leader/ID the election's candidates (etcd3's election; the oldest leads)
 */
export const ELECTION = 'leader';

export function accountKey(prefix: string): string {
  return `${prefix}/account`;
}
export function certsPrefix(prefix: string): string {
  return `${prefix}/certs/`;
}
export function certKey(prefix: string, name: string): string {
  return `${certsPrefix(prefix)}${name}`;
}
export function ordersPrefix(prefix: string): string {
  return `${prefix}/orders/`;
}
export function orderKey(prefix: string, name: string): string {
  return `${ordersPrefix(prefix)}${name}`;
}
export function nodesPrefix(prefix: string): string {
  return `${prefix}/nodes/`;
}
export function nodeKey(prefix: string, node: string): string {
  return `${nodesPrefix(prefix)}${node}`;
}
/** The encryption's additional data for a certificate's private key: the key is bound to its certificate name. */
export function keyAad(name: string): string {
  return `privkey/${name}`;
}
export const ACCOUNT_AAD = 'account';
