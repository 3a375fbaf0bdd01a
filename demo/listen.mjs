// Demo-only: start a demo server on loopback, say `listening <port>` on stdout, stop cleanly on a signal.

/** `onStop` releases what the server holds besides its sockets (an upstream agent). */
export function listen(server, port, host, onStop = () => {}) {
  server.keepAliveTimeout = 30_000;
  server.listen(port, host, () => {
    const addr = server.address();
    process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
  });
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
      onStop();
      setTimeout(() => process.exit(0), 1000).unref();
    });
  }
}
