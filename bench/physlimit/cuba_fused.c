// CUBA's fused state update + threshold as spikejit's IR has it
// (P_stateupdate+threshold), 64000 neurons x 2000 steps, with a reset and one
// stand-in synapse per spike instead of the pathways (docs/performance.md):
//   gcc -O3 -march=native cuba_fused.c                      (vectorised where gcc can)
//   gcc -O3 -march=native -fno-tree-vectorize cuba_fused.c
//   gcc -O3 -march=native -ffast-math -fno-finite-math-only cuba_fused.c
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define N 64000
static double ls[N], ge[N], gi[N], v[N];
static unsigned char nr[N];
static int space[N + 1];
int main(void) {
  for (int i = 0; i < N; i++) { v[i] = -0.06 + 0.01 * (double)rand() / RAND_MAX; ge[i] = 0.001 * (i % 3); gi[i] = -0.001 * (i % 5); ls[i] = -1e9; }
  struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
  double t = 0; long spikes = 0;
  for (int s = 0; s < 2000; s++, t += 1e-4) {
    int count = 0;
    for (int i = 0; i < N; i++) {
      nr[i] = t - ls[i] + 1.0000000000000001e-7 >= 0.005;
      double c5 = ge[i], c4 = gi[i];
      double _ge = 0.9801986733067554 * c5, _gi = 0.9900498337491681 * c4;
      double _v = 0.004937935295309004 * c5 + 0.004962645443514259 * c4 + 0.9950124791926822 * v[i] + -0.00024438851955856664;
      ge[i] = _ge; gi[i] = _gi;
      if (nr[i]) v[i] = _v;
      if (v[i] > -0.05 && nr[i]) { space[count++] = i; nr[i] = 0; ls[i] = t; }
    }
    space[N] = count; spikes += count;
    for (int k = 0; k < count; k++) { v[space[k]] = -0.06; ge[(space[k] * 7919) % N] += 0.0016; }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.3f ns/neuron-step (%ld spikes)\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (2000.0 * N), spikes);
}
