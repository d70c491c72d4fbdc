// 6. Peak resident memory of an inference pass, which buffer sharing by
// liveness (runtime/liveness.hpp) lowers: 6 dense ReLU layers of 1024
// (relu(x @ w + b)), summed over the features, 3 runs of one callable.
//   mem_infer fused|unfused [batch]
// batch defaults to 2048 (every activation is then 8 MiB; the weights and the
// fed batch 32 MiB). One thread (OpenBLAS, intra- and inter-op).
// Prints "<model> VmHWM_kB <n> baseline_kB <n> before_runs_kB <n>", the
// baseline being the process's peak before the graph was built, before_runs
// its peak once the variables were initialised and the callable made.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sessionlib/sessionlib.hpp>

#include "common.hpp"

namespace sl = sessionlib;

namespace {

constexpr int layers = 6;
constexpr std::size_t width = 1024;

}  // namespace

int main(int argc, char** argv) {
  const std::string which = argc > 1 ? argv[1] : "fused";
  const std::size_t batch = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2048;
  if ((which != "fused" && which != "unfused") || batch == 0) {
    std::fprintf(stderr, "usage: mem_infer fused|unfused [batch]\n");
    return 2;
  }
  bench::set_threads(1);
  const long baseline = bench::vm_hwm_kb();

  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, width>>(g, "x");
  sl::Tensor<float, sl::shape<sl::dyn, width>> h = x;
  for (int l = 0; l < layers; ++l) {
    sl::Variable<float, sl::shape<width, width>> w(g, sl::init::glorot_uniform<float>(static_cast<std::uint64_t>(l + 1)));
    sl::Variable<float, sl::shape<width>> b(g, sl::init::zeros<float>());
    h = sl::nn::relu(sl::matmul(h, w) + b);
  }
  auto y = sl::reduce_sum<1>(h);

  sl::SessionConfig config;
  config.intra_op_threads = 1;
  config.inter_op_threads = 1;
  config.optimizer.fusion = which == "fused";
  sl::Session sess(g, config);
  sess.run(sl::global_variables_initializer(g));
  xt::xtensor<float, 2> xv = xt::xtensor<float, 2>::from_shape({batch, width});
  for (std::size_t i = 0; i < xv.size(); ++i) xv.data()[i] = static_cast<float>(i % 255) / 255.0f;
  auto f = sess.make_callable(y, sl::feed_list(x));
  const long before_runs = bench::vm_hwm_kb();

  float checksum = 0;  // read, so no run can be dropped
  for (int i = 0; i < 3; ++i) checksum += f(xv)(0);
  std::printf("%s VmHWM_kB %ld baseline_kB %ld before_runs_kB %ld batch %zu checksum %g\n", which.c_str(), bench::vm_hwm_kb(),
              baseline, before_runs, batch, static_cast<double>(checksum));
  return 0;
}
