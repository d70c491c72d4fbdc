// 5. Peak resident memory of the training benchmark: one model per process.
//   mem_mlp sessionlib|hand [steps] [threads]      (this file, no libtorch linked)
//   mem_mlp_torch torch [steps] [threads]          (the same file, linked with torch_peer)
// Prints "<model> VmHWM_kB <n> baseline_kB <n>", the baseline being the
// process's peak before the model was built.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mlp.hpp"

namespace {

template <class M>
void train(M& model, int steps) {
  for (int i = 0; i < steps; ++i) model.step();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string which = argc > 1 ? argv[1] : "sessionlib";
  const int steps = argc > 2 ? std::atoi(argv[2]) : 100;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  bench::set_threads(threads);
  const bench::mlp_batch_data data;
  const long baseline = bench::vm_hwm_kb();
  if (which == "sessionlib") {
    bench::sessionlib_mlp model(data, threads);
    train(model, steps);
  } else if (which == "hand") {
    bench::hand_mlp model(data);
    train(model, steps);
  } else if (which == "torch" && torch_peer::available()) {
    torch_peer::Mlp model(data.x.data(), data.y.data(), bench::mlp_batch, bench::mlp_rate);
    train(model, steps);
  } else {
    std::fprintf(stderr, "mem_mlp: unknown or unavailable model '%s'\n", which.c_str());
    return 2;
  }
  std::printf("%s VmHWM_kB %ld baseline_kB %ld\n", which.c_str(), bench::vm_hwm_kb(), baseline);
  return 0;
}
