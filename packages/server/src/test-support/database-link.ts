import net, { type AddressInfo } from 'node:net';

/**
 * A TCP link to PostgreSQL that the test cuts (every open connection is reset and new ones are
 * refused, as when the server stops) and restores: the machine's PostgreSQL is shared, so the
 * outage is made between the app and it.
 */
export class DatabaseLink {
  private readonly sockets = new Set<net.Socket>();
  private down = false;
  /** Connections refused while the link was cut (each is someone trying to reconnect). */
  refused = 0;
  private readonly server = net.createServer((client) => {
    if (this.down) {
      this.refused++;
      return void client.destroy();
    }
    const upstream = net.connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => this.sockets.delete(socket));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });

  constructor(private readonly target: { host: string; port: number }) {}

  /** The database URL `url`, through this link. */
  async listen(url: string): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const through = new URL(url);
    through.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return through.toString();
  }

  cut() {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore() {
    this.down = false;
  }

  async close() {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
