// A prototype for a decision, not part of udpkit (nothing in src/ loads it, CI does not build it): a UDP receive
// path that reads with recvmmsg, 32 datagrams a system call, and calls JavaScript once per batch with one Buffer
// holding the payloads and one holding their lengths. It measures what Node's dgram costs per datagram against what
// a native path would (issues 17 and 18: the flood ratios and the relay against socat). No addresses, no errors,
// no close: a measurement, not a receiver.
// Build: gcc -O2 -shared -fPIC -I/usr/include/node bench/prototypes/recvmmsg/addon.c -o /tmp/recvmmsg.node
//        (Debian's nodejs package carries the headers; node-gyp is not needed for one C file.)
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

#define BATCH 32
#define SLOT 65536

typedef struct {
  napi_env env;
  napi_ref cb;
  uv_poll_t poll;
  int fd;
  int mode; // 0: count only in C (batch count to JS), 1: copy payloads into a Buffer per batch
  char *bufs;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in6 addrs[BATCH];
} Rx;

static void on_readable(uv_poll_t *h, int status, int events) {
  Rx *rx = h->data;
  napi_handle_scope scope;
  napi_open_handle_scope(rx->env, &scope);
  for (int round = 0; round < 16; round++) {
    for (int i = 0; i < BATCH; i++) {
      rx->iov[i].iov_base = rx->bufs + (size_t)i * SLOT;
      rx->iov[i].iov_len = SLOT;
      memset(&rx->msgs[i].msg_hdr, 0, sizeof(struct msghdr));
      rx->msgs[i].msg_hdr.msg_iov = &rx->iov[i];
      rx->msgs[i].msg_hdr.msg_iovlen = 1;
      rx->msgs[i].msg_hdr.msg_name = &rx->addrs[i];
      rx->msgs[i].msg_hdr.msg_namelen = sizeof(rx->addrs[i]);
    }
    int n = recvmmsg(rx->fd, rx->msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) break;
    napi_value cb, global, argv[2], result;
    napi_get_reference_value(rx->env, rx->cb, &cb);
    napi_get_global(rx->env, &global);
    if (rx->mode == 0) {
      napi_create_int32(rx->env, n, &argv[0]);
      napi_get_undefined(rx->env, &argv[1]);
    } else {
      size_t total = 0;
      for (int i = 0; i < n; i++) total += rx->msgs[i].msg_len;
      void *data;
      napi_create_buffer(rx->env, total, &data, &argv[0]);
      uint32_t *lens;
      napi_value lenbuf;
      napi_create_buffer(rx->env, n * 4, (void **)&lens, &lenbuf);
      size_t at = 0;
      for (int i = 0; i < n; i++) {
        memcpy((char *)data + at, rx->iov[i].iov_base, rx->msgs[i].msg_len);
        at += rx->msgs[i].msg_len;
        lens[i] = rx->msgs[i].msg_len;
      }
      argv[1] = lenbuf;
    }
    napi_call_function(rx->env, global, cb, 2, argv, &result);
    if (n < BATCH) break;
  }
  napi_close_handle_scope(rx->env, scope);
}

static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, mode;
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_int32(env, argv[1], &mode);
  Rx *rx = calloc(1, sizeof(Rx));
  rx->env = env;
  rx->mode = mode;
  rx->fd = dup(fd);
  rx->bufs = malloc((size_t)BATCH * SLOT);
  napi_create_reference(env, argv[2], 1, &rx->cb);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &rx->poll, rx->fd);
  rx->poll.data = rx;
  uv_poll_start(&rx->poll, UV_READABLE, on_readable);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "start", NAPI_AUTO_LENGTH, start, NULL, &fn);
  napi_set_named_property(env, exports, "start", fn);
  return exports;
}
