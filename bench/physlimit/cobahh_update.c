// The COBAHH state update as spikejit's IR has it (SPIKEJIT_DUMP_IR=1 on
// bench/models/cobahh_4000.toml, kernel P_stateupdate), 4000 neurons x 3000
// steps, in C: how fast gcc makes the same arithmetic under each of the float
// semantics (docs/performance.md, "Why COBAHH is at 1.3x"):
//   gcc -O3 -march=native cobahh_update.c -lm                                   (IEEE, as spikejit)
//   gcc -O3 -march=native -freciprocal-math cobahh_update.c -lm                 (as fast_math)
//   gcc -O3 -march=native -freciprocal-math -ffp-contract=fast cobahh_update.c -lm
//   gcc -O3 -march=native -ffast-math -fno-finite-math-only cobahh_update.c -lm (Brian2's C++ flags)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define N 4000
static double ls[N], ge[N], gi[N], v[N], h[N], m[N], n[N];
static unsigned char nr[N];
int main(void) {
  for (int i = 0; i < N; i++) { v[i] = -0.065 + 0.005 * (i % 7) / 7.0; h[i] = 0.6; m[i] = 0.05; n[i] = 0.3; ge[i] = 1e-9; gi[i] = 2e-9; ls[i] = -1e9; }
  struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
  double t = 0;
  for (int s = 0; s < 3000; s++, t += 1e-4) {
    for (int i = 0; i < N; i++) {
      nr[i] = t - ls[i] + 1.0000000000000001e-7 >= 0.003;
      double c26 = ge[i], _ge = c26 * 0.9801986733067553;
      double c27 = gi[i], _gi = c27 * 0.9900498337491681;
      double c15 = v[i];
      double c20 = 0.128 * exp((0.017 - c15 + -0.063) / 0.018000000000000002) / 0.001;
      double c14 = c20 * -1.0 + -(4.0 / (1.0 + exp((0.04 - c15 + -0.063) / 0.005)) / 0.001 * 1.0);
      double BAh = c20 * 1.0 / c14, c28 = h[i];
      double _h = -BAh + (c28 + BAh) * exp(c14 * 0.0001);
      double c24 = 0.013000000000000001 - c15 + -0.063;
      double c16 = 320.0 * c24 / (exp(c24 / 0.004) - 1.0) / 0.001;
      double c25 = c15 - -0.063 - 0.04;
      double c11 = c16 * -1.0 + -(280.0 * c25 / (exp(c25 / 0.005) - 1.0) / 0.001 * 1.0);
      double BAm = c16 * 1.0 / c11, c22 = m[i];
      double _m = -BAm + (c22 + BAm) * exp(c11 * 0.0001);
      double c23 = 0.015 - c15 + -0.063;
      double c13 = 32.0 * c23 / (exp(c23 / 0.005) - 1.0) / 0.001;
      double c17 = c13 * -1.0 + -(0.5 * exp((0.01 - c15 + -0.063) / 0.04) / 0.001 * 1.0);
      double BAn = c13 * 1.0 / c17, c18 = n[i];
      double _n = -BAn + (c18 + BAn) * exp(c17 * 0.0001);
      double c19 = 2e-5 * (c22 * c22 * c22) * c28;
      double c21 = 6e-6 * (c18 * c18 * c18 * c18);
      double c12 = (-1e-8 + c26 * -1.0 + c27 * -1.0 + -(c19 * 1.0) + -(c21 * 1.0)) / 2e-10;
      double BAv = (-6e-10 + c26 * 0.0 + c27 * -0.08 + -(c19 * -0.05) + -(c21 * 0.09)) / 2e-10 / c12;
      double _v = -BAv + (c15 + BAv) * exp(c12 * 0.0001);
      ge[i] = _ge; gi[i] = _gi; h[i] = _h; m[i] = _m; n[i] = _n; v[i] = _v;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double sum = 0; for (int i = 0; i < N; i++) sum += v[i] + nr[i];
  printf("%.3f ns/neuron-step (check %g)\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (3000.0 * N), sum);
}
