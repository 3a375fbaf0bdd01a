// "When things go wrong": a health URL that hangs, is slow, answers garbage or fails TLS.
import type { FaultRow } from './types.js';

const FILE = '__tests__/faults/probes.test.ts';

export const rows: FaultRow[] = [
  {
    fault: 'Health URL accepts connections and never answers',
    does: 'Cuts each probe at `probe-timeout` (`timed out after 500ms (probe-timeout)`); after `failure-threshold` such probes in a row, rolls back naming the URL',
    endState: 'live slot 100% (`rolled-back`)',
    test: {
      file: FILE,
      name: 'a health URL that accepts and never answers: each probe is cut at probe-timeout, the canary rolls back naming the URL and the timeout',
    },
  },
  {
    fault: 'Health URL answers just under `probe-timeout`',
    does: 'Counts each probe as passed (the timeout covers connect, headers and body) and goes on',
    endState: 'new slot 100% (`promoted`)',
    test: {
      file: FILE,
      name: 'answers just under probe-timeout: every probe counts as passed and the deploy is promoted',
    },
  },
  {
    fault: 'Health URL answers just over `probe-timeout`',
    does: 'Fails each probe at the timeout, naming `probe-timeout`; rolls back after `failure-threshold` in a row',
    endState: 'live slot 100% (`rolled-back`)',
    test: {
      file: FILE,
      name: 'answers just over probe-timeout: each probe fails at the timeout, the canary rolls back naming it',
    },
  },
  {
    fault: 'Health URL answers something that is not HTTP (another service on the port)',
    does: 'Fails the probe with `the answer is not HTTP`, quoting what the server sent (header values scrubbed); rolls back',
    endState: 'live slot 100% (`rolled-back`)',
    test: {
      file: FILE,
      name: 'answers something that is not HTTP: the canary rolls back quoting what it sent',
    },
  },
  {
    fault: 'Health URL fails TLS: certificate not trusted',
    does: 'Fails the probe with `TLS certificate not accepted (<code>)`; rolls back',
    endState: 'live slot 100% (`rolled-back`)',
    test: {
      file: FILE,
      name: 'fails TLS (a self-signed certificate): the canary rolls back naming the certificate error',
    },
  },
  {
    fault: 'Health URL fails TLS: `https://` to a port that speaks plain HTTP',
    does: 'Fails the probe saying the server does not answer in TLS on that port (not a certificate error); rolls back',
    endState: 'live slot 100% (`rolled-back`)',
    test: {
      file: FILE,
      name: 'fails TLS (https:// to a port that answers plain HTTP): the canary rolls back saying the server does not speak TLS',
    },
  },
];
