/* hamd C client: simulation sessions on the hamd daemon (docs/sessions.md, docs/hosts.md).
 *
 *   hamd_client *client;
 *   if (hamd_connect(NULL, HAMD_AUTOSTART, &client) != HAMD_OK) { puts(hamd_last_error()); ... }
 *   const int z[9] = {6, 6, 8, 1, 1, 1, 1, 1, 1};
 *   hamd_session_options options;
 *   hamd_session_options_init(&options);            // energy + forces, eV and Angstrom
 *   hamd_session *session;
 *   hamd_session_open(client, 9, z, &options, &session);
 *   for (...) {
 *     hamd_step(session, positions, NULL);            // double [n][3], Angstrom
 *     hamd_energy(session, &energy);
 *     hamd_forces(session, forces);                   // double [n][3]
 *   }
 *   hamd_session_close(session);
 *   hamd_disconnect(client);
 *
 * C99. Every function returns a status: HAMD_OK (0) or a gRPC status code (3 INVALID_ARGUMENT,
 * 5 NOT_FOUND, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, ...); hamd_last_error() is the message of
 * the last failure of the calling thread. Inputs (positions, cell) are always in Angstrom; results
 * in eV and Angstrom, or Hartree and Bohr with units "hartree" (as the session's energy outputs).
 * Arrays are row-major: positions and forces [n][3],
 * cell, stress and virial [3][3] with rows the lattice vectors a, b, c. Atom indices are
 * zero-based. Handles are not safe to use from two threads at once; different sessions may
 * be used from different threads.
 */
#ifndef HAMD_CLIENT_H
#define HAMD_CLIENT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HAMD_CLIENT_VERSION "0.1.0"

/* Status codes: the gRPC status codes. */
enum {
  HAMD_OK = 0,
  HAMD_CANCELLED = 1,
  HAMD_UNKNOWN = 2,
  HAMD_INVALID_ARGUMENT = 3,
  HAMD_DEADLINE_EXCEEDED = 4,
  HAMD_NOT_FOUND = 5,
  HAMD_FAILED_PRECONDITION = 9,
  HAMD_RESOURCE_EXHAUSTED = 8,
  HAMD_UNIMPLEMENTED = 12,
  HAMD_INTERNAL = 13,
  HAMD_UNAVAILABLE = 14
};

/* Flags of hamd_connect. */
#define HAMD_AUTOSTART 1 /* start `hamd serve` on the Unix socket when nothing answers there */

/* Outputs of a session (bits of hamd_session_options.outputs). */
#define HAMD_ENERGY 1
#define HAMD_FORCES 2
#define HAMD_STRESS 4             /* periodic in three directions only; also gives the virial */
#define HAMD_ENERGY_UNCERTAINTY 8
#define HAMD_ENERGIES 16          /* per-atom energies (0 for atoms that do not contribute) */

typedef struct hamd_client hamd_client;
typedef struct hamd_session hamd_session;

typedef struct hamd_session_options {
  int outputs;             /* bits HAMD_ENERGY | HAMD_FORCES | ...; 0: energy and forces */
  const double *cell;      /* double [3][3] rows a, b, c in Angstrom, or NULL */
  const int *pbc;          /* int [3] (non-zero: periodic), or NULL: not periodic */
  const char *model;       /* energy model registry name, or NULL/"": the default energy model */
  const char *units;       /* results: NULL/"" or "ev": eV and Angstrom; "hartree": Hartree and Bohr */
  double skin;             /* Verlet skin, Angstrom; < 0: the daemon's default (0.5) */
  double timeout_s;        /* deadline of the open and of every step, seconds; <= 0: 60 s for the open,
                              steps wait as long as they take. A step that is not answered in time
                              ends the session (answers come in order): 4 DEADLINE_EXCEEDED */
} hamd_session_options;

/* The default options: energy and forces, not periodic, default model, eV and Angstrom. */
void hamd_session_options_init(hamd_session_options *options);

/* The default address: $HAMD_ADDRESS, else unix:$XDG_RUNTIME_DIR/hamd/hamd.sock, else
 * unix:/tmp/hamd-$UID/hamd.sock. Writes at most `size` bytes (NUL included); returns the length. */
size_t hamd_default_address(char *buffer, size_t size);

/* Connects to the daemon at `address` ("unix:/path", "/path" or "host:port"; NULL or "": the
 * default address) and checks that it answers (GetServerInfo). With HAMD_AUTOSTART, when
 * nothing answers on a Unix socket, runs `$HAMD_COMMAND serve` (else `hamd serve`, the `hamd`
 * of the PATH) on that socket, under the start lock of the Python and Node clients, and waits
 * up to 60 s for it to serve. $HAMD_COMMAND is split into words as a POSIX shell (and Python's
 * shlex.split) would, quotes and backslashes included, and run without a shell. 14 UNAVAILABLE
 * when no daemon answers; 9 FAILED_PRECONDITION for a daemon of another API version. A daemon
 * of the same API but another release than HAMD_CLIENT_VERSION connects (HAMD_OK) with a
 * warning, on stderr once per process and in hamd_last_error(). */
int hamd_connect(const char *address, int flags, hamd_client **client);
/* The daemon's version (valid until hamd_disconnect). */
const char *hamd_server_version(const hamd_client *client);
void hamd_disconnect(hamd_client *client);

/* Opens a session for n atoms of these atomic numbers. An unknown element, output or unit is
 * 3 INVALID_ARGUMENT; an unknown model 5 NOT_FOUND. */
int hamd_session_open(hamd_client *client, int n_atoms, const int *atomic_numbers,
                      const hamd_session_options *options, hamd_session **session);
/* hamd_session_open for a host code's atoms together with their periodic images or ghosts as
 * one non-periodic cluster (the KIM API, LAMMPS): contributing[i] non-zero for the atoms whose
 * energies count (NULL: all). The energy is theirs; forces come for every atom, ghosts included,
 * for the host to fold back; per-atom energies are 0 for the others. Energy outputs only. The
 * mask is fixed for the session: open a new one when the ghosts change. */
int hamd_session_open_contributing(hamd_client *client, int n_atoms, const int *atomic_numbers,
                                   const int *contributing, const hamd_session_options *options,
                                   hamd_session **session);
/* One step: positions double [n][3]; cell double [3][3] (a new cell, periodic sessions) or NULL.
 * A step the model cannot evaluate (NaN, overlapping atoms) returns its code and the session
 * stays open. */
int hamd_step(hamd_session *session, const double *positions, const double *cell);
/* Results of the last successful step (3 INVALID_ARGUMENT when the output was not asked). */
int hamd_energy(const hamd_session *session, double *energy);
int hamd_forces(const hamd_session *session, double *forces);          /* double [n][3] */
int hamd_stress(const hamd_session *session, double *stress);          /* double [3][3], ASE's sign */
int hamd_virial(const hamd_session *session, double *virial);          /* -stress * volume, energy units */
int hamd_energy_uncertainty(const hamd_session *session, double *sigma);
int hamd_energies(const hamd_session *session, double *energies);      /* double [n], HAMD_ENERGIES */
/* The longest feature cutoff of the session's models (Angstrom), as the daemon opened it: atoms
 * farther apart do not interact (a host's ghost shell must be at least this thick). */
int hamd_session_cutoff(const hamd_session *session, double *cutoff);
/* Microseconds the daemon spent on the last step (queue + compute). */
double hamd_compute_us(const hamd_session *session);
/* Ends the session (close/closed) and frees it; returns the stream's final status. */
int hamd_session_close(hamd_session *session);

/* Transports of sessions (docs/sessions.md, "Framed transport"): "socket", the daemon's framed
 * session socket (ServerInfo.session_socket, a Unix socket beside the daemon's: the Session RPC's
 * messages without HTTP/2, a few times cheaper per step), or "grpc", the Session RPC. "auto"
 * (the default) takes the socket when the daemon offers one and the client connected over a Unix
 * socket, else gRPC, and gRPC too when the offered socket cannot be connected to. Results, error
 * codes and messages, and timeouts are the same on both. Sessions opened after this call use
 * `transport` ("auto", "socket", "grpc"; NULL or "": $HAMD_SESSION_TRANSPORT, else "auto"). With
 * "socket", opening a session on a daemon that offers none is 9 FAILED_PRECONDITION, and one
 * whose socket cannot be connected to 14 UNAVAILABLE. An unknown name is 3 INVALID_ARGUMENT (here,
 * or at hamd_session_open for $HAMD_SESSION_TRANSPORT). */
int hamd_set_session_transport(hamd_client *client, const char *transport);
/* The transport the session was opened on: "socket" or "grpc". */
const char *hamd_session_transport(const hamd_session *session);

/* The message of the last failure of this thread ("" when none). */
const char *hamd_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
