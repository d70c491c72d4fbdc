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
#include "overlap.hpp"

namespace sessionlib::mpi {

/// How DistributedOptimizer averages the gradients.
struct distributed_options {
  /// Horovod's tensor fusion (HOROVOD_FUSION_THRESHOLD): consecutive gradients
  /// of one dtype and static shape are packed into one buffer per allreduce,
  /// up to this many bytes each (a larger gradient gets an allreduce of its
  /// own); 0: one allreduce per gradient.
  std::size_t fusion_threshold_bytes = std::size_t{64} << 20;
  /// Overlap the allreduces with the backward pass (Horovod's background
  /// thread, mpi/overlap.hpp): the gradients are fused in backward order (the
  /// last variable's first, as PyTorch's DDP buckets them), and each fused
  /// allreduce starts on the communication thread as soon as its gradients are
  /// computed, while the executor's thread goes on with the backward pass; the
  /// optimizer waits for it where it first reads the averages. The same sums,
  /// so the same steps. false: each allreduce runs on the executor's thread
  /// where the plan puts it (after the whole backward pass), gradients fused in
  /// the variables' order.
  bool overlap = true;
};

/// Wraps optimizer `Opt` so that gradients are averaged over the ranks before they are applied.
template <std::derived_from<train::Optimizer> Opt>
class DistributedOptimizer {
 public:
  explicit DistributedOptimizer(Opt optimizer, distributed_options options = {})
      : opt_(std::move(optimizer)), options_(options) {}

  /// The wrapped optimizer's name ("Adam").
  const std::string& name() const noexcept { return opt_.name(); }
  /// The wrapped optimizer (its slots, its hyperparameters).
  Opt& optimizer() noexcept { return opt_; }
  const Opt& optimizer() const noexcept { return opt_; }

  /// The fusion threshold and the like.
  const distributed_options& options() const noexcept { return options_; }

  /// The wrapped optimizer's gradients, each averaged over the ranks (an
  /// allreduce of mean, small ones fused: distributed_options); a missing
  /// gradient (TF's None) stays missing.
  template <TensorLike L>
  std::vector<train::grad_and_var> compute_gradients(const L& loss, std::vector<any_variable> var_list = {}) const {
    auto pairs = opt_.compute_gradients(loss, std::move(var_list));
    Graph& g = as_tensor(loss).graph();
    std::vector<std::size_t> group;  // the pairs of the fused buffer being filled
    std::size_t group_bytes = 0;
    auto flush = [&] {
      if (options_.overlap && !group.empty()) average_overlapped(g, pairs, group);
      else if (group.size() == 1) average_alone(g, pairs[group[0]]);
      else if (group.size() > 1) average_fused(g, pairs, group);
      group.clear();
      group_bytes = 0;
    };
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      const std::size_t i = options_.overlap ? pairs.size() - 1 - k : k;  // backward order: last layer first
      auto& p = pairs[i];
      if (!p.has_gradient()) continue;
      const std::size_t bytes = static_bytes(g, p.grad);
      if (bytes == 0) {  // a dynamic shape: alone, on the executor's thread
        average_alone(g, p);
        continue;
      }
      if (bytes > options_.fusion_threshold_bytes) {  // too large: alone
        if (!options_.overlap) {
          average_alone(g, p);
          continue;
        }
        flush();  // (in backward order: the group before it is ready first)
        group.push_back(i);
        flush();
        continue;
      }
      if (!group.empty() && (erased::type_of(g, pairs[group[0]].grad) != erased::type_of(g, p.grad) ||
                             group_bytes + bytes > options_.fusion_threshold_bytes))
        flush();
      group.push_back(i);
      group_bytes += bytes;
    }
    flush();
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
  /// The bytes of `r`'s value from its static shape; 0 when a dimension is dyn or the dtype is not float/double.
  static std::size_t static_bytes(const Graph& g, output_ref r) {
    const dtype t = erased::type_of(g, r);
    if (t != dtype::float32 && t != dtype::float64) return 0;
    std::size_t n = t == dtype::float32 ? 4 : 8;
    for (auto d : erased::shape_of(g, r)) {
      if (d < 0) return 0;
      n *= static_cast<std::size_t>(d);
    }
    return n;
  }
  /// One allreduce (mean) of `p`'s gradient.
  static void average_alone(Graph& g, train::grad_and_var& p) {
    const dtype t = erased::type_of(g, p.grad);
    const std::string name = p.var.op_name() + "/DistributedOptimizer_Allreduce";
    p.grad = output_ref{detail::add_collective(g, "MpiAllreduce", {p.grad}, detail::kernel_for<detail::allreduce_k>(t),
                                               detail::allreduce_grad,
                                               {.reduce_op = static_cast<std::int64_t>(reduce_op::mean)}, t,
                                               erased::shape_of(g, p.grad), name)};
  }
  /// One fused allreduce (mean) of the gradients of `pairs[group]`, all of one dtype.
  static void average_fused(Graph& g, std::vector<train::grad_and_var>& pairs, const std::vector<std::size_t>& group) {
    const dtype t = erased::type_of(g, pairs[group[0]].grad);
    std::vector<output_ref> inputs;
    std::vector<output_spec> outputs;
    for (std::size_t i : group) {
      inputs.push_back(pairs[i].grad);
      outputs.push_back({t, erased::shape_of(g, pairs[i].grad)});
    }
    detail::define_ops();
    const node_id fused = add_multi_output_node(
        g,
        {.op = "MpiAllreduceFused", .name = "DistributedOptimizer_AllreduceFused", .inputs = std::move(inputs),
         .kernel = detail::kernel_for<detail::allreduce_fused_k>(t),
         .attr = {.family = detail::mpi_attrs{.reduce_op = static_cast<std::int64_t>(reduce_op::mean)}},
         .stateful = true},
        std::move(outputs));
    for (std::size_t k = 0; k < group.size(); ++k) pairs[group[k]].grad = output_ref{fused, static_cast<std::uint32_t>(k)};
  }

  /// One overlapped allreduce (mean) of the gradients of `pairs[group]`, all of one dtype (mpi/overlap.hpp).
  static void average_overlapped(Graph& g, std::vector<train::grad_and_var>& pairs, const std::vector<std::size_t>& group) {
    std::vector<output_ref> grads;
    for (std::size_t i : group) grads.push_back(pairs[i].grad);
    const std::string name = group.size() == 1 ? pairs[group[0]].var.op_name() + "/DistributedOptimizer_Allreduce"
                                               : std::string("DistributedOptimizer_AllreduceFused");
    const node_id done =
        detail::add_overlapped_allreduce(g, grads, reduce_op::mean, erased::type_of(g, grads[0]), name);
    for (std::size_t k = 0; k < group.size(); ++k) pairs[group[k]].grad = output_ref{done, static_cast<std::uint32_t>(k)};
  }

  Opt opt_;
  distributed_options options_;
};

}  // namespace sessionlib::mpi
