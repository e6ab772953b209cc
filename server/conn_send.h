/*
 * server/conn_send.h - sending a connection's response (conn_send.c), for
 * conn.c: on the connection's worker thread only.
 */
#ifndef SERVER_CONN_SEND_H
#define SERVER_CONN_SEND_H

#include <stdint.h>

#include "conn.h"

/* What one step of the connection's state machine did. */
enum conn_step {
    CONN_STEP_AGAIN, /* progress made; the state machine may continue */
    CONN_STEP_WAIT,  /* wait for an event or a timer */
    CONN_STEP_GONE,  /* the connection was freed */
    CONN_STEP_SENT,  /* the response is completely sent; c->x is still there */
};

/*
 * Begin sending c->x->resp (built by the caller; the request's input is
 * already consumed): state CONN_SENDING, from the first segment.
 */
void conn_start_response(struct conn *c, uint64_t now);

/*
 * Send what is left of c->x->resp, within the rate limit and a turn's
 * budget. CONN_STEP_SENT once all of it went out; CONN_STEP_WAIT when
 * the socket is full, the rate limit or the drain of a file's tail asks
 * to wait (the interest and the timer are set), or the turn is used up
 * (C is marked ready); CONN_STEP_GONE when the connection was closed (the
 * client left, or the file changed while being sent).
 */
enum conn_step conn_send_output(struct conn *c, uint64_t now);

/*
 * Wait until C's socket is writable, within --send-timeout (not pushed
 * back while waiting). CONN_STEP_WAIT, or CONN_STEP_GONE when the
 * interest could not be set and C was closed.
 */
enum conn_step conn_wait_writable(struct conn *c, uint64_t now);

#endif
