// Kernel of InputProducerEpoch (train/input.hpp): one epoch of an input
// producer's values per run, shuffled when asked, and TF's limit_epochs
// failure once num_epochs were produced. The epoch count lives in each session.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "../../config.hpp"
#include "../../graph/io_attrs.hpp"
#include "../kernel.hpp"

namespace sessionlib::kernels {

namespace detail {
/// The epochs an input producer has produced in one session.
struct epoch_count final : session_resource {
  std::mutex m;
  std::int64_t epochs = 0;
  void wake_all() noexcept override {}
};
}  // namespace detail

#if SESSIONLIB_DEFINITIONS
/// InputProducerEpoch: {values (1-D)} -> the values, in a new order per epoch
/// when shuffling; sl::out_of_range "Reached limit of <num_epochs>" (TF's
/// CountUpTo) once the limit is reached, which ends the producer's runner.
SESSIONLIB_INLINE void input_producer_epoch_kernel(kernel_context& ctx) {
  const auto& a = ctx.attrs<input_producer_attrs>();
  auto count = ctx.state.resource<detail::epoch_count>(ctx.self, [] { return std::make_shared<detail::epoch_count>(); });
  {
    std::lock_guard lock(count->m);
    if (a.num_epochs > 0 && count->epochs >= a.num_epochs)
      throw out_of_range("Reached limit of " + std::to_string(a.num_epochs), ctx.n.name);
    ++count->epochs;
  }
  const any_array& in = ctx.input(0);
  if (in.size() == 0) ctx.fail("assertion failed: [string_input_producer requires a non-null input tensor]");
  ctx.out.ensure(in.dtype(), in.shape());
  any_array::copy_elements(in.dtype(), ctx.out.raw(), in.raw(), in.size());
  if (!a.shuffle || in.dtype() != dtype::string) return;
  std::string* v = ctx.out.data<std::string>();
  ctx.state.with_rng(ctx.self, static_cast<std::uint64_t>(a.seed), static_cast<std::uint64_t>(a.seed2),
                     [&](std::mt19937_64& eng) { std::shuffle(v, v + in.size(), eng); });
}
#else
SESSIONLIB_DECLARE void input_producer_epoch_kernel(kernel_context& ctx);
#endif

}  // namespace sessionlib::kernels
