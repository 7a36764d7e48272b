/* Test program of the C client (hamd.h); test/python/test_c_client.py runs it against a daemon.
 *
 *   hamd_c_client_test frames ADDRESS FILE [REPEAT]  FILE: "n n_frames", n atomic numbers, then
 *       n_frames x n lines "x y z" (Angstrom). Prints per frame "energy E" and n lines of forces
 *       (eV, eV/A, %.17g), then "us_per_step T compute_us C" over REPEAT extra steps of frame 0.
 *   hamd_c_client_test error ADDRESS Z...           opens a session of these elements; prints
 *       "code C" and "message M" of the failure (exit 0 when it failed).
 *   hamd_c_client_test connect ADDRESS [autostart]  prints "code C" and "message M".
 *   hamd_c_client_test twice ADDRESS                connects twice; "code C" and "message M" each time.
 *   hamd_c_client_test masked ADDRESS FILE          FILE as for frames, with n contributing flags
 *       (0/1) after the atomic numbers; a session with that mask: per frame "energy E", a line
 *       "energies" with n per-atom energies, and n lines of forces.
 *   hamd_c_client_test timeout ADDRESS SECONDS      a water session with timeout_s = SECONDS and
 *       one step: "code C", "message M" and "seconds S" (the step's wall time).
 *   hamd_c_client_test refused ADDRESS              a water session; a step with a NaN position
 *       ("refused C" and "message M"), then a good one ("code C", "energy E", 3 lines of forces),
 *       then "close C".
 *   hamd_c_client_test idle ADDRESS SECONDS         a water session, one step, SECONDS of silence,
 *       a step ("code C", "message M"), and one more ("next C").
 *   hamd_c_client_test transport ADDRESS NAME       hamd_set_session_transport(NAME): "set C", then
 *       a water session: "transport T" (or "open code C" and "message M").
 *   hamd_c_client_test cells ADDRESS FILE L...      FILE as for frames (its first frame): a periodic
 *       session in a cubic box of edge L[0], then one step per L with the box scaled to edge L
 *       (the same positions): per step "energy E" and n lines of forces.
 * Sessions print "transport T" (hamd_session_transport) once open; $HAMD_SESSION_TRANSPORT picks it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hamd.h"

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int frames(const char *address, const char *path, int repeat) {
  FILE *file = fopen(path, "r");
  if (!file) { perror(path); return 2; }
  int n, n_frames;
  if (fscanf(file, "%d %d", &n, &n_frames) != 2) return 2;
  int *z = malloc(sizeof(int) * (size_t)n);
  double *positions = malloc(sizeof(double) * 3 * (size_t)n * (size_t)n_frames);
  double *forces = malloc(sizeof(double) * 3 * (size_t)n);
  for (int i = 0; i < n; ++i) if (fscanf(file, "%d", &z[i]) != 1) return 2;
  for (long i = 0; i < 3L * n * n_frames; ++i) if (fscanf(file, "%lf", &positions[i]) != 1) return 2;
  fclose(file);
  hamd_client *client;
  int code = hamd_connect(address, 0, &client);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  hamd_session_options options;
  hamd_session_options_init(&options);
  hamd_session *session;
  code = hamd_session_open(client, n, z, &options, &session);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  printf("transport %s\n", hamd_session_transport(session));
  for (int f = 0; f < n_frames; ++f) {
    double energy;
    code = hamd_step(session, positions + 3L * n * f, NULL);
    if (!code) code = hamd_energy(session, &energy);
    if (!code) code = hamd_forces(session, forces);
    if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
    printf("energy %.17g\n", energy);
    for (int i = 0; i < n; ++i) printf("%.17g %.17g %.17g\n", forces[3 * i], forces[3 * i + 1], forces[3 * i + 2]);
  }
  if (repeat > 0) {
    double compute = 0;
    double start = seconds();
    for (int r = 0; r < repeat; ++r) {
      if ((code = hamd_step(session, positions, NULL)) || (code = hamd_forces(session, forces))) {
        printf("code %d\nmessage %s\n", code, hamd_last_error());
        return 1;
      }
      compute += hamd_compute_us(session);
    }
    double elapsed = seconds() - start;
    printf("us_per_step %.3f compute_us %.3f\n", 1e6 * elapsed / repeat, compute / repeat);
  }
  code = hamd_session_close(session);
  hamd_disconnect(client);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  free(z); free(positions); free(forces);
  return 0;
}

static int masked(const char *address, const char *path) {
  FILE *file = fopen(path, "r");
  if (!file) { perror(path); return 2; }
  int n, n_frames;
  if (fscanf(file, "%d %d", &n, &n_frames) != 2) return 2;
  int *z = malloc(sizeof(int) * (size_t)n), *flags = malloc(sizeof(int) * (size_t)n);
  double *positions = malloc(sizeof(double) * 3 * (size_t)n * (size_t)n_frames);
  double *forces = malloc(sizeof(double) * 3 * (size_t)n), *energies = malloc(sizeof(double) * (size_t)n);
  for (int i = 0; i < n; ++i) if (fscanf(file, "%d", &z[i]) != 1) return 2;
  for (int i = 0; i < n; ++i) if (fscanf(file, "%d", &flags[i]) != 1) return 2;
  for (long i = 0; i < 3L * n * n_frames; ++i) if (fscanf(file, "%lf", &positions[i]) != 1) return 2;
  fclose(file);
  hamd_client *client;
  int code = hamd_connect(address, 0, &client);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  hamd_session_options options;
  hamd_session_options_init(&options);
  options.outputs = HAMD_ENERGY | HAMD_FORCES | HAMD_ENERGIES;
  hamd_session *session;
  code = hamd_session_open_contributing(client, n, z, flags, &options, &session);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  printf("transport %s\n", hamd_session_transport(session));
  for (int f = 0; f < n_frames; ++f) {
    double energy;
    code = hamd_step(session, positions + 3L * n * f, NULL);
    if (!code) code = hamd_energy(session, &energy);
    if (!code) code = hamd_energies(session, energies);
    if (!code) code = hamd_forces(session, forces);
    if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
    printf("energy %.17g\nenergies", energy);
    for (int i = 0; i < n; ++i) printf(" %.17g", energies[i]);
    printf("\n");
    for (int i = 0; i < n; ++i) printf("%.17g %.17g %.17g\n", forces[3 * i], forces[3 * i + 1], forces[3 * i + 2]);
  }
  code = hamd_session_close(session);
  hamd_disconnect(client);
  free(z); free(flags); free(positions); free(forces); free(energies);
  return code ? 1 : 0;
}

static int timeout(const char *address, double seconds_limit) {
  static const int z[3] = {8, 1, 1};
  static const double water[9] = {0, 0, 0.12, 0, 0.75, -0.46, 0, -0.77, -0.47};
  hamd_client *client;
  int code = hamd_connect(address, 0, &client);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  hamd_session_options options;
  hamd_session_options_init(&options);
  options.timeout_s = seconds_limit;
  hamd_session *session = NULL;
  code = hamd_session_open(client, 3, z, &options, &session);
  if (code) { printf("open code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  printf("transport %s\n", hamd_session_transport(session));
  double start = seconds();
  code = hamd_step(session, water, NULL);
  printf("code %d\nmessage %s\nseconds %.3f\n", code, hamd_last_error(), seconds() - start);
  if (code) {
    int again = hamd_step(session, water, NULL);
    printf("next %d\n", again);
  }
  hamd_session_close(session);
  hamd_disconnect(client);
  return 0;
}

static int idle(const char *address, double pause_s) {
  static const int z[3] = {8, 1, 1};
  static const double water[9] = {0, 0, 0.12, 0, 0.75, -0.46, 0, -0.77, -0.47};
  hamd_client *client;
  int code = hamd_connect(address, 0, &client);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  hamd_session *session = NULL;
  code = hamd_session_open(client, 3, z, NULL, &session);
  if (!code) code = hamd_step(session, water, NULL);
  if (code) { printf("open code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  printf("transport %s\n", hamd_session_transport(session));
  struct timespec pause = {(time_t)pause_s, (long)(1e9 * (pause_s - (double)(time_t)pause_s))};
  nanosleep(&pause, NULL);
  code = hamd_step(session, water, NULL);
  printf("code %d\nmessage %s\n", code, hamd_last_error());
  printf("next %d\n", hamd_step(session, water, NULL));
  hamd_session_close(session);
  hamd_disconnect(client);
  return 0;
}

static int set_transport(const char *address, const char *name) {
  static const int z[3] = {8, 1, 1};
  hamd_client *client;
  int code = hamd_connect(address, 0, &client);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  printf("set %d\n", hamd_set_session_transport(client, name));
  hamd_session *session = NULL;
  code = hamd_session_open(client, 3, z, NULL, &session);
  if (code) printf("open code %d\nmessage %s\n", code, hamd_last_error());
  else printf("transport %s\n", hamd_session_transport(session));
  hamd_session_close(session);
  hamd_disconnect(client);
  return 0;
}

static int refused(const char *address) {
  static const int z[3] = {8, 1, 1};
  double water[9] = {0, 0, 0.12, 0, 0.75, -0.46, 0, -0.77, -0.47};
  double forces[9], energy = 0;
  hamd_client *client;
  int code = hamd_connect(address, 0, &client);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  hamd_session *session = NULL;
  code = hamd_session_open(client, 3, z, NULL, &session);
  if (code) { printf("open code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  printf("transport %s\n", hamd_session_transport(session));
  water[4] = NAN;
  code = hamd_step(session, water, NULL);
  printf("refused %d\nmessage %s\n", code, hamd_last_error());
  water[4] = 0.75;
  code = hamd_step(session, water, NULL);
  if (!code) code = hamd_energy(session, &energy);
  if (!code) code = hamd_forces(session, forces);
  printf("code %d\nenergy %.17g\n", code, energy);
  for (int i = 0; i < 3; ++i) printf("%.17g %.17g %.17g\n", forces[3 * i], forces[3 * i + 1], forces[3 * i + 2]);
  printf("close %d\n", hamd_session_close(session));
  hamd_disconnect(client);
  return 0;
}

static int cells(const char *address, const char *path, int n_cells, char **edges) {
  FILE *file = fopen(path, "r");
  if (!file) { perror(path); return 2; }
  int n, n_frames;
  if (fscanf(file, "%d %d", &n, &n_frames) != 2) return 2;
  int *z = malloc(sizeof(int) * (size_t)n);
  double *positions = malloc(sizeof(double) * 3 * (size_t)n), *forces = malloc(sizeof(double) * 3 * (size_t)n);
  for (int i = 0; i < n; ++i) if (fscanf(file, "%d", &z[i]) != 1) return 2;
  for (long i = 0; i < 3L * n; ++i) if (fscanf(file, "%lf", &positions[i]) != 1) return 2;
  fclose(file);
  hamd_client *client;
  int code = hamd_connect(address, 0, &client);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  const int pbc[3] = {1, 1, 1};
  double cell[9] = {0};
  cell[0] = cell[4] = cell[8] = atof(edges[0]);
  hamd_session_options options;
  hamd_session_options_init(&options);
  options.cell = cell;
  options.pbc = pbc;
  hamd_session *session;
  code = hamd_session_open(client, n, z, &options, &session);
  if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
  printf("transport %s\n", hamd_session_transport(session));
  for (int c = 0; c < n_cells; ++c) {
    double energy;
    cell[0] = cell[4] = cell[8] = atof(edges[c]);
    code = hamd_step(session, positions, cell);
    if (!code) code = hamd_energy(session, &energy);
    if (!code) code = hamd_forces(session, forces);
    if (code) { printf("code %d\nmessage %s\n", code, hamd_last_error()); return 1; }
    printf("energy %.17g\n", energy);
    for (int i = 0; i < n; ++i) printf("%.17g %.17g %.17g\n", forces[3 * i], forces[3 * i + 1], forces[3 * i + 2]);
  }
  code = hamd_session_close(session);
  hamd_disconnect(client);
  free(z); free(positions); free(forces);
  return code ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "masked") == 0) return masked(argv[2], argv[3]);
  if (argc >= 4 && strcmp(argv[1], "timeout") == 0) return timeout(argv[2], atof(argv[3]));
  if (argc >= 3 && strcmp(argv[1], "refused") == 0) return refused(argv[2]);
  if (argc >= 4 && strcmp(argv[1], "transport") == 0) return set_transport(argv[2], argv[3]);
  if (argc >= 4 && strcmp(argv[1], "idle") == 0) return idle(argv[2], atof(argv[3]));
  if (argc >= 5 && strcmp(argv[1], "cells") == 0) return cells(argv[2], argv[3], argc - 4, argv + 4);
  if (argc >= 3 && strcmp(argv[1], "twice") == 0) {
    for (int k = 0; k < 2; ++k) {
      hamd_client *client = NULL;
      int code = hamd_connect(argv[2], 0, &client);
      printf("code %d\nmessage %s\n", code, hamd_last_error());
      hamd_disconnect(client);
    }
    return 0;
  }
  if (argc >= 4 && strcmp(argv[1], "frames") == 0)
    return frames(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 0);
  if (argc >= 3 && strcmp(argv[1], "connect") == 0) {
    hamd_client *client = NULL;
    int code = hamd_connect(argv[2], argc > 3 ? HAMD_AUTOSTART : 0, &client);
    printf("code %d\nmessage %s\n", code, hamd_last_error());
    hamd_disconnect(client);
    return 0;
  }
  if (argc >= 4 && strcmp(argv[1], "error") == 0) {
    hamd_client *client;
    int code = hamd_connect(argv[2], 0, &client);
    if (code) { printf("connect failed %d %s\n", code, hamd_last_error()); return 1; }
    int n = argc - 3;
    int z[64];
    for (int i = 0; i < n && i < 64; ++i) z[i] = atoi(argv[3 + i]);
    hamd_session *session = NULL;
    code = hamd_session_open(client, n, z, NULL, &session);
    printf("code %d\nmessage %s\n", code, hamd_last_error());
    if (session) hamd_session_close(session);
    hamd_disconnect(client);
    return code ? 0 : 1;
  }
  fprintf(stderr, "usage: %s frames ADDRESS FILE [REPEAT] | error ADDRESS Z... | connect ADDRESS [autostart] | twice ADDRESS | "
          "masked ADDRESS FILE | timeout ADDRESS SECONDS | refused ADDRESS | idle ADDRESS SECONDS | transport ADDRESS NAME | "
          "cells ADDRESS FILE L...\n", argv[0]);
  return 2;
}
