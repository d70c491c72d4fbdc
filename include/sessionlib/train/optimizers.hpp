// The optimizers of tf.compat.v1.train: GradientDescent, Momentum (with
// Nesterov), Adam, RMSProp and Adagrad, with TF's defaults, update formulas and
// slot names. Each builds one fused update op per variable (kernels in
// runtime/kernels/apply.hpp), or for a gradient that is rows (the gradient of
// gather, train/indexed_slices.hpp) one sparse update op touching only those
// rows (runtime/kernels/apply_sparse.hpp); the base class is in train/optimizer.hpp.
//
//     auto train = sl::train::AdamOptimizer(1e-3).minimize(loss);
//     sess.run(sl::global_variables_initializer(g));   // also initialises the slots
//     sess.run(train, {{x, xb}, {y, yb}});
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "optimizer.hpp"

namespace sessionlib::train {

namespace detail {
#define SESSIONLIB_APPLY_KERNEL(kernel_name) [&]<class T>() -> kernel_fn { return kernels::kernel_name<T>; }
}  // namespace detail

/// var -= learning_rate * grad (tf.train.GradientDescentOptimizer).
class GradientDescentOptimizer : public Optimizer {
 public:
  /// `use_locking` is accepted for TF's argument order: updates always hold the variable's lock.
  explicit GradientDescentOptimizer(hyperparameter learning_rate, bool use_locking = false,
                                    std::string name = "GradientDescent")
      : Optimizer(std::move(name), learning_rate) {
    (void)use_locking;
  }

 protected:
  node_id apply_dense(Graph& g, output_ref grad, const any_variable& var, const std::vector<any_variable>& slots,
                      const std::vector<output_ref>& all_grads) override {
    return apply_dense_body(g, grad, var, slots, all_grads);
  }
  /// var[indices] -= lr * values, one row per index (TF1's scatter_sub).
  node_id apply_sparse(Graph& g, const indexed_slices& grad, const any_variable& var,
                       const std::vector<any_variable>& slots, const std::vector<output_ref>& all_grads) override {
    return apply_sparse_body(g, grad, var, slots, all_grads);
  }

 private:
  static std::vector<node_id> waits(const Graph& g, const std::vector<output_ref>& all_grads) {
    std::vector<node_id> after;
    for (output_ref r : all_grads) {
      if (folds(g, r)) for (output_ref in : g.at(r).inputs) after.push_back(in.node);
      else after.push_back(r.node);
    }
    return after;
  }
  static bool folds(const Graph& g, output_ref id) {
    if (!id.valid()) return false;
    const node& n = g.at(id);
    static const op_def* const matmul = &op_registry::global().resolve("MatMul");
    return n.def == matmul && n.inputs.size() == 2 && n.attr.family.holds<matmul_attrs>() &&
           (n.type == dtype::float32 || n.type == dtype::float64);
  }

  // The overrides above forward here: a separate unit sees declarations only
  // (config.hpp), while the overrides stay visible for the vtable.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                             const std::vector<any_variable>&,
                                             const std::vector<output_ref>& all_grads) {
    // A gradient that is a plain matrix product (a dense layer's weights) folds
    // into the update: one gemm into the variable. The MatMul node stays in the
    // graph (fetchable) but the update no longer needs it. Every update still
    // waits for every gradient's inputs, so no variable changes before all
    // gradients have read it.
    std::vector<node_id> after = waits(g, all_grads);
    if (folds(g, grad)) {
      const node& mm = g.at(grad);
      attributes a{.variable = var.index(), .family = mm.attr.family};  // matmul_attrs
      return detail::make_update(
          g, "MatMulApplyGradientDescent", name_ + "/update_" + var.op_name(),
          {mm.inputs[0], mm.inputs[1], learning_rate(g, var.dtype())},
          erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(apply_gradient_descent_matmul_kernel)),
          std::move(a), std::move(after));
    }
    return update_op(g, "ApplyGradientDescent", grad, var, {},
                     erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(apply_gradient_descent_kernel)),
                     std::move(after));
  }
  SESSIONLIB_INLINE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                              const std::vector<any_variable>&,
                                              const std::vector<output_ref>& all_grads) {
    return sparse_update_op(g, "SparseApplyGradientDescent", grad, var, {},
                            erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(sparse_apply_gradient_descent_kernel)),
                            waits(g, all_grads));
  }
#else
  SESSIONLIB_DECLARE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                              const std::vector<any_variable>&,
                                              const std::vector<output_ref>& all_grads);
  SESSIONLIB_DECLARE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                               const std::vector<any_variable>&,
                                               const std::vector<output_ref>& all_grads);
#endif
};

/// accum = momentum * accum + grad; var -= lr * accum, or with `use_nesterov`
/// var -= lr * (grad + momentum * accum) (tf.train.MomentumOptimizer). Slot
/// "momentum", named "w/Momentum".
class MomentumOptimizer : public Optimizer {
 public:
  MomentumOptimizer(hyperparameter learning_rate, double momentum, bool use_locking = false,
                    std::string name = "Momentum", bool use_nesterov = false)
      : Optimizer(std::move(name), learning_rate, {{"momentum", "", 0.0}}), momentum_(momentum), nesterov_(use_nesterov) {
    (void)use_locking;
  }

 protected:
  node_id apply_dense(Graph& g, output_ref grad, const any_variable& var, const std::vector<any_variable>& slots,
                      const std::vector<output_ref>& all_grads) override {
    return apply_dense_body(g, grad, var, slots, all_grads);
  }
  /// The same update of the gradient's rows only, duplicates summed first (TF's SparseApplyMomentum).
  node_id apply_sparse(Graph& g, const indexed_slices& grad, const any_variable& var,
                       const std::vector<any_variable>& slots, const std::vector<output_ref>& all_grads) override {
    return apply_sparse_body(g, grad, var, slots, all_grads);
  }

 private:
  double momentum_;
  bool nesterov_;

  // The overrides above forward here: a separate unit sees declarations only
  // (config.hpp), while the overrides stay visible for the vtable.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                             const std::vector<any_variable>& slots,
                                             const std::vector<output_ref>& all_grads) {
    return update_op(g, "ApplyMomentum", grad, var,
                     momentum_attrs{.accum = slots.at(0).index(), .momentum = momentum_, .use_nesterov = nesterov_},
                     erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(apply_momentum_kernel)), all_grads);
  }
  SESSIONLIB_INLINE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                              const std::vector<any_variable>& slots,
                                              const std::vector<output_ref>& all_grads) {
    return sparse_update_op(g, "SparseApplyMomentum", grad, var,
                            momentum_attrs{.accum = slots.at(0).index(), .momentum = momentum_, .use_nesterov = nesterov_},
                            erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(sparse_apply_momentum_kernel)),
                            all_grads);
  }
#else
  SESSIONLIB_DECLARE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                              const std::vector<any_variable>& slots,
                                              const std::vector<output_ref>& all_grads);
  SESSIONLIB_DECLARE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                               const std::vector<any_variable>& slots,
                                               const std::vector<output_ref>& all_grads);
#endif
};

/// Adam as tf.compat.v1.train.AdamOptimizer: slots "m" and "v" ("w/Adam",
/// "w/Adam_1"), and the non-slot variables "beta1_power" and "beta2_power"
/// (beta^t, multiplied once per step after every update) for the bias
/// correction lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); epsilon is added
/// to sqrt(v).
class AdamOptimizer : public Optimizer {
 public:
  explicit AdamOptimizer(hyperparameter learning_rate = 0.001, double beta1 = 0.9, double beta2 = 0.999,
                         double epsilon = 1e-8, bool use_locking = false, std::string name = "Adam")
      : Optimizer(std::move(name), learning_rate, {{"m", "", 0.0}, {"v", "_1", 0.0}}),
        beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {
    (void)use_locking;
  }

  /// The beta-power variables of dtype `t` (beta1_power, beta2_power), once created.
  std::optional<std::pair<any_variable, any_variable>> get_beta_accumulators(const Graph& g, dtype t = dtype::float32) const {
    auto it = powers_.find({&g, t});
    if (it == powers_.end()) return std::nullopt;
    return it->second;
  }

 protected:
  void prepare(Graph& g, const std::vector<const grad_and_var*>& live) override {
    prepare_body(g, live);
  }
  node_id apply_dense(Graph& g, output_ref grad, const any_variable& var, const std::vector<any_variable>& slots,
                      const std::vector<output_ref>& all_grads) override {
    return apply_dense_body(g, grad, var, slots, all_grads);
  }
  /// TF1's sparse Adam (_apply_sparse_shared): m and v decay in every row, the
  /// summed gradient joins its rows, and every row of the variable moves.
  node_id apply_sparse(Graph& g, const indexed_slices& grad, const any_variable& var,
                       const std::vector<any_variable>& slots, const std::vector<output_ref>& all_grads) override {
    return apply_sparse_body(g, grad, var, slots, all_grads);
  }
  std::vector<node_id> finish(Graph& g, std::vector<node_id> updates) override {
    return finish_body(g, updates);
  }

 private:
  double beta1_, beta2_, epsilon_;
  std::map<std::pair<const Graph*, dtype>, std::pair<any_variable, any_variable>> powers_;
  std::vector<dtype> used_;

  // The overrides above forward here: a separate unit sees declarations only
  // (config.hpp), while the overrides stay visible for the vtable.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE void prepare_body(Graph& g, const std::vector<const grad_and_var*>& live) {
    for (const auto* p : live) {
      const auto key = std::pair<const Graph*, dtype>{&g, p->var.dtype()};
      if (powers_.count(key)) continue;
      const auto b1 = train::detail::make_filled_variable(g, "beta1_power", key.second, {}, beta1_, no_node);
      const auto b2 = train::detail::make_filled_variable(g, "beta2_power", key.second, {}, beta2_, no_node);
      powers_.emplace(key, std::pair{b1, b2});
    }
  }
  SESSIONLIB_INLINE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                             const std::vector<any_variable>& slots,
                                             const std::vector<output_ref>& all_grads) {
    const auto& [b1, b2] = powers_.at({&g, var.dtype()});
    used_.push_back(var.dtype());
    return update_op(g, "ApplyAdam", grad, var,
                     adam_attrs{.m = slots.at(0).index(), .v = slots.at(1).index(), .beta1_power = b1.index(),
                                .beta2_power = b2.index(), .beta1 = beta1_, .beta2 = beta2_, .epsilon = epsilon_},
                     erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(apply_adam_kernel)), all_grads);
  }
  SESSIONLIB_INLINE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                              const std::vector<any_variable>& slots,
                                              const std::vector<output_ref>& all_grads) {
    const auto& [b1, b2] = powers_.at({&g, var.dtype()});
    used_.push_back(var.dtype());
    return sparse_update_op(g, "SparseApplyAdam", grad, var,
                            adam_attrs{.m = slots.at(0).index(), .v = slots.at(1).index(), .beta1_power = b1.index(),
                                       .beta2_power = b2.index(), .beta1 = beta1_, .beta2 = beta2_, .epsilon = epsilon_},
                            erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(sparse_apply_adam_kernel)),
                            all_grads);
  }
  SESSIONLIB_INLINE std::vector<node_id> finish_body(Graph& g, std::vector<node_id> updates) {
    std::sort(used_.begin(), used_.end());
    used_.erase(std::unique(used_.begin(), used_.end()), used_.end());
    std::vector<node_id> out;
    for (dtype t : used_) {
      const auto& [b1, b2] = powers_.at({&g, t});
      attributes a{.family = adam_attrs{.beta1_power = b1.index(), .beta2_power = b2.index(), .beta1 = beta1_, .beta2 = beta2_}};
      out.push_back(train::detail::make_update(g, "AdamFinish", name_ + "/update_beta_powers", {},
                                               erased::visit_floating(t, SESSIONLIB_APPLY_KERNEL(adam_finish_kernel)),
                                               std::move(a), updates));
    }
    used_.clear();
    return out;
  }
#else
  SESSIONLIB_DECLARE void prepare_body(Graph& g, const std::vector<const grad_and_var*>& live);
  SESSIONLIB_DECLARE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                              const std::vector<any_variable>& slots,
                                              const std::vector<output_ref>& all_grads);
  SESSIONLIB_DECLARE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                               const std::vector<any_variable>& slots,
                                               const std::vector<output_ref>& all_grads);
  SESSIONLIB_DECLARE std::vector<node_id> finish_body(Graph& g, std::vector<node_id> updates);
#endif
};

/// RMSProp as tf.compat.v1.train.RMSPropOptimizer (not centered):
/// ms += (grad^2 - ms) * (1 - decay); mom = momentum * mom + lr * grad /
/// sqrt(ms + epsilon); var -= mom. Slots "rms" (starting at 1, as TF) and
/// "momentum": "w/RMSProp", "w/RMSProp_1".
class RMSPropOptimizer : public Optimizer {
 public:
  explicit RMSPropOptimizer(hyperparameter learning_rate, double decay = 0.9, double momentum = 0.0,
                            double epsilon = 1e-10, bool use_locking = false, std::string name = "RMSProp")
      : Optimizer(std::move(name), learning_rate, {{"rms", "", 1.0}, {"momentum", "_1", 0.0}}),
        decay_(decay), momentum_(momentum), epsilon_(epsilon) {
    (void)use_locking;
  }

 protected:
  node_id apply_dense(Graph& g, output_ref grad, const any_variable& var, const std::vector<any_variable>& slots,
                      const std::vector<output_ref>& all_grads) override {
    return apply_dense_body(g, grad, var, slots, all_grads);
  }
  /// The same update of the gradient's rows only, duplicates summed first (TF's SparseApplyRMSProp).
  node_id apply_sparse(Graph& g, const indexed_slices& grad, const any_variable& var,
                       const std::vector<any_variable>& slots, const std::vector<output_ref>& all_grads) override {
    return apply_sparse_body(g, grad, var, slots, all_grads);
  }

 private:
  double decay_, momentum_, epsilon_;

  // The overrides above forward here: a separate unit sees declarations only
  // (config.hpp), while the overrides stay visible for the vtable.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                             const std::vector<any_variable>& slots,
                                             const std::vector<output_ref>& all_grads) {
    return update_op(g, "ApplyRMSProp", grad, var,
                     rmsprop_attrs{.ms = slots.at(0).index(), .mom = slots.at(1).index(), .rho = decay_,
                                   .momentum = momentum_, .epsilon = epsilon_},
                     erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(apply_rms_prop_kernel)), all_grads);
  }
  SESSIONLIB_INLINE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                              const std::vector<any_variable>& slots,
                                              const std::vector<output_ref>& all_grads) {
    return sparse_update_op(g, "SparseApplyRMSProp", grad, var,
                            rmsprop_attrs{.ms = slots.at(0).index(), .mom = slots.at(1).index(), .rho = decay_,
                                          .momentum = momentum_, .epsilon = epsilon_},
                            erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(sparse_apply_rms_prop_kernel)),
                            all_grads);
  }
#else
  SESSIONLIB_DECLARE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                              const std::vector<any_variable>& slots,
                                              const std::vector<output_ref>& all_grads);
  SESSIONLIB_DECLARE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                               const std::vector<any_variable>& slots,
                                               const std::vector<output_ref>& all_grads);
#endif
};

/// Adagrad as tf.compat.v1.train.AdagradOptimizer: accum += grad^2;
/// var -= lr * grad / sqrt(accum). Slot "accumulator" ("w/Adagrad"), starting
/// at `initial_accumulator_value`.
class AdagradOptimizer : public Optimizer {
 public:
  explicit AdagradOptimizer(hyperparameter learning_rate, double initial_accumulator_value = 0.1,
                            bool use_locking = false, std::string name = "Adagrad")
      : Optimizer(std::move(name), learning_rate, {{"accumulator", "", initial_accumulator_value}}) {
    (void)use_locking;
    if (!(initial_accumulator_value > 0))
      throw invalid_argument("initial_accumulator_value must be positive: " + std::to_string(initial_accumulator_value));
  }

 protected:
  node_id apply_dense(Graph& g, output_ref grad, const any_variable& var, const std::vector<any_variable>& slots,
                      const std::vector<output_ref>& all_grads) override {
    return apply_dense_body(g, grad, var, slots, all_grads);
  }
  /// The same update of the gradient's rows only, duplicates summed first (TF's SparseApplyAdagrad).
  node_id apply_sparse(Graph& g, const indexed_slices& grad, const any_variable& var,
                       const std::vector<any_variable>& slots, const std::vector<output_ref>& all_grads) override {
    return apply_sparse_body(g, grad, var, slots, all_grads);
  }

 private:
  // The overrides above forward here: a separate unit sees declarations only
  // (config.hpp), while the overrides stay visible for the vtable.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                             const std::vector<any_variable>& slots,
                                             const std::vector<output_ref>& all_grads) {
    return update_op(g, "ApplyAdagrad", grad, var, adagrad_attrs{.accum = slots.at(0).index()},
                     erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(apply_adagrad_kernel)), all_grads);
  }
  SESSIONLIB_INLINE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                              const std::vector<any_variable>& slots,
                                              const std::vector<output_ref>& all_grads) {
    return sparse_update_op(g, "SparseApplyAdagrad", grad, var, adagrad_attrs{.accum = slots.at(0).index()},
                            erased::visit_floating(var.dtype(), SESSIONLIB_APPLY_KERNEL(sparse_apply_adagrad_kernel)),
                            all_grads);
  }
#else
  SESSIONLIB_DECLARE node_id apply_dense_body(Graph& g, output_ref grad, const any_variable& var,
                                              const std::vector<any_variable>& slots,
                                              const std::vector<output_ref>& all_grads);
  SESSIONLIB_DECLARE node_id apply_sparse_body(Graph& g, const indexed_slices& grad, const any_variable& var,
                                               const std::vector<any_variable>& slots,
                                               const std::vector<output_ref>& all_grads);
#endif
};

#undef SESSIONLIB_APPLY_KERNEL

}  // namespace sessionlib::train
