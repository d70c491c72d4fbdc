// sl::mpi::DistributedOptimizer: Horovod's DistributedOptimizer. It wraps any
// optimizer: compute_gradients computes this rank's gradients, then averages each
// over the ranks (allreduce mean); apply_gradients applies them as the wrapped
// optimizer does. Every rank then takes the same step from the same variables
// (broadcast_global_variables first), feeding its own shard of each batch.
#pragma once

#include <concepts>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../train/optimizer.hpp"
#include "ops.hpp"

namespace sessionlib::mpi {

/// Wraps optimizer `Opt` so that gradients are averaged over the ranks before they are applied.
template <std::derived_from<train::Optimizer> Opt>
class DistributedOptimizer {
 public:
  explicit DistributedOptimizer(Opt optimizer) : opt_(std::move(optimizer)) {}

  /// The wrapped optimizer's name ("Adam").
  const std::string& name() const noexcept { return opt_.name(); }
  /// The wrapped optimizer (its slots, its hyperparameters).
  Opt& optimizer() noexcept { return opt_; }
  const Opt& optimizer() const noexcept { return opt_; }

  /// The wrapped optimizer's gradients, each averaged over the ranks (an
  /// allreduce of mean); a missing gradient (TF's None) stays missing.
  template <TensorLike L>
  std::vector<train::grad_and_var> compute_gradients(const L& loss, std::vector<any_variable> var_list = {}) const {
    auto pairs = opt_.compute_gradients(loss, std::move(var_list));
    Graph& g = as_tensor(loss).graph();
    for (auto& p : pairs) {
      if (!p.has_gradient()) continue;
      const dtype t = erased::type_of(g, p.grad);
      const std::string name = p.var.op_name() + "/DistributedOptimizer_Allreduce";
      p.grad = output_ref{detail::add_collective(g, "MpiAllreduce", {p.grad}, detail::kernel_for<detail::allreduce_k>(t),
                                                 detail::allreduce_grad,
                                                 {.reduce_op = static_cast<std::int64_t>(reduce_op::mean)}, t,
                                                 erased::shape_of(g, p.grad), name)};
    }
    return pairs;
  }

  /// Applies `pairs` as the wrapped optimizer does (they are averaged already).
  Operation apply_gradients(const std::vector<train::grad_and_var>& pairs,
                            std::optional<train::global_step_ref> global_step = std::nullopt,
                            const std::string& name = "") {
    return opt_.apply_gradients(pairs, global_step, name);
  }

  /// compute_gradients (averaged) then apply_gradients: the train op.
  template <TensorLike L>
  Operation minimize(const L& loss, std::vector<any_variable> var_list = {},
                     std::optional<train::global_step_ref> global_step = std::nullopt, const std::string& name = "") {
    return apply_gradients(compute_gradients(loss, std::move(var_list)), global_step, name);
  }
  /// minimize over the trainable variables, counting steps in `global_step`.
  template <TensorLike L>
  Operation minimize(const L& loss, train::global_step_ref global_step, const std::string& name = "") {
    return minimize(loss, {}, global_step, name);
  }

 private:
  Opt opt_;
};

}  // namespace sessionlib::mpi
