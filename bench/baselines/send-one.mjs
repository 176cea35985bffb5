// Bare Node baseline for start-up: a script that sends one datagram and exits.
// Usage: node send-one.mjs PORT
import dgram from 'node:dgram';

const socket = dgram.createSocket('udp4');
socket.send('Hello, World!', Number(process.argv[2]), '127.0.0.1', () => socket.close());
