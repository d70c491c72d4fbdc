// The optimizer base (tf.compat.v1.train.Optimizer): compute_gradients,
// apply_gradients and minimize over a run-time list of variables; slot
// variables (Adam's m and v, ...) as ordinary, non-trainable graph variables
// named as TF names them ("w/Adam", "w/Adam_1"), so global_variables_initializer
// initialises them and a Saver keeps them; and the global step. A gradient
// that is rows (the gradient of a lookup, train/indexed_slices.hpp) goes to
// apply_sparse, which the optimizers implement as an update of those rows only.
// The optimizers themselves are in train/optimizers.hpp.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../ops/state.hpp"
#if SESSIONLIB_DEFINITIONS  // the update kernels: only the update builders name them
#include "../runtime/kernels/apply.hpp"
#include "../runtime/kernels/apply_sparse.hpp"
#endif
#include "grad_support.hpp"
#include "gradients.hpp"
#include "indexed_slices.hpp"

namespace sessionlib::train {

/// A gradient and the variable it is for: TF's (gradient, variable) pair.
/// `grad` is invalid when the loss does not depend on the variable (TF's None).
struct grad_and_var {
  output_ref grad{};
  any_variable var;

  /// A gradient given as a typed tensor (e.g. after clipping), for `var`.
  template <class T, class S, class V>
    requires std::is_convertible_v<V, any_variable>
  static grad_and_var of(const Tensor<T, S>& gradient, const V& variable) {
    return {gradient.id(), any_variable(variable)};
  }
  bool has_gradient() const noexcept { return grad.valid(); }
  /// The gradient as a Tensor<T, S>: sl::invalid_argument if its dtype or static shape differ.
  template <class T, class S>
  Tensor<T, S> gradient() const {
    Graph& g = var.graph();
    if (!has_gradient()) throw invalid_argument("No gradient for variable '" + var.name() + "'", var.op_name());
    return g.tensor<T, S>(g.tensor_name(grad));
  }
};

/// The global step's type: an int64 scalar variable.
using global_step_t = Variable<std::int64_t, shape<>>;

#if SESSIONLIB_DEFINITIONS
/// Creates the graph's global step ("global_step", 0, non-trainable); TF's
/// tf.train.create_global_step. sl::invalid_argument if it already exists.
SESSIONLIB_INLINE global_step_t create_global_step(Graph& g = get_default_graph()) {
  if (!g.collection("global_step").empty()) throw invalid_argument("\"global_step\" already exists.");
  global_step_t step(g, std::int64_t{0}, "global_step", /*trainable=*/false);
  g.add_to_collection("global_step", step.id());
  return step;
}

/// The graph's global step as a tensor (its value), if create_global_step made one.
SESSIONLIB_INLINE std::optional<Tensor<std::int64_t, shape<>>> get_global_step(Graph& g = get_default_graph()) {
  const auto ids = g.collection("global_step");
  if (ids.empty()) return std::nullopt;
  return Tensor<std::int64_t, shape<>>(&g, ids.front());
}
#else
SESSIONLIB_DECLARE global_step_t create_global_step(Graph& g = get_default_graph());
SESSIONLIB_DECLARE std::optional<Tensor<std::int64_t, shape<>>> get_global_step(Graph& g = get_default_graph());
#endif

/// What minimize / apply_gradients accept as the global step: the variable, or
/// the tensor get_global_step returns. Each run of the train op adds 1 to it.
class global_step_ref {
 public:
  global_step_ref(const global_step_t& v) : g_(&v.graph()), id_(v.id()) {}  // NOLINT: implicit by design
  global_step_ref(const Tensor<std::int64_t, shape<>>& t) : g_(&t.graph()), id_(t.id().node) {  // NOLINT
    if (!g_->at(id_).def->is(op_flags::variable))
      throw invalid_argument("global_step must be a variable, not '" + t.op_name() + "'", t.op_name());
  }
  Graph& graph() const noexcept { return *g_; }
  node_id id() const noexcept { return id_; }
  std::int32_t index() const { return g_->at(id_).attr.variable; }

 private:
  Graph* g_;
  node_id id_;
};

/// A hyperparameter that may be a number or a scalar tensor (a placeholder, a
/// decayed learning rate): TF accepts both.
class hyperparameter {
 public:
  hyperparameter(double v) : value_(v) {}  // NOLINT: implicit, as TF takes a float
  template <Floating T>
  hyperparameter(const Tensor<T, shape<>>& t) : g_(&t.graph()), id_(t.id()) {}  // NOLINT
  /// Its node as a scalar of dtype `t` in `g`: a constant, the tensor, or a cast of it.
  output_ref node(Graph& g, dtype t) const {
    if (!id_.valid()) return erased::scalar(g, t, value_);
    if (g_ != &g) throw invalid_argument("the learning rate tensor is of another graph");
    return erased::type_of(g, id_) == t ? id_ : erased::cast(g, id_, t);
  }
  double value() const noexcept { return value_; }

 private:
  double value_ = 0;
  Graph* g_ = nullptr;
  output_ref id_{};
};

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// Adds a non-trainable variable of `t` and `shape` filled with `value`, laid out
/// as Variable<T, S> lays out its nodes (VariableV2, initial value, Assign), so
/// initializers and Savers treat it as any other. `like` supplies the run-time
/// shape when `shape` has dynamic dimensions.
SESSIONLIB_INLINE any_variable make_filled_variable(Graph& g, const std::string& name, dtype t, const std::vector<std::ptrdiff_t>& shape,
                                         double value, output_ref like) {
  const auto [id, index] = ::sessionlib::detail::add_variable_node(g, name, t, shape);
  const std::string leaf = ::sessionlib::detail::leaf_name(g.at(id).name, name);
  output_ref initial;
  if (erased::fully_static(shape)) {
    attributes a;
    a.value = any_array(t, dims(shape.begin(), shape.end()));
    erased::visit_floating(t, [&]<class T>() { std::fill_n(a.value.data<T>(), a.value.size(), static_cast<T>(value)); });
    initial = add_tensor_node(g, {.op = "Const", .name = leaf + "/initial_value", .kernel = kernels::constant_kernel,
                                  .attr = std::move(a)},
                              t, shape);
  } else {
    initial = erased::fill_like(g, like, value);
  }
  const kernel_fn assign = erased::visit_floating(t, [&]<class T>() -> kernel_fn { return kernels::assign_kernel<T>; });
  const node_id init = ::sessionlib::detail::state_node(g, "Assign", leaf + "/Assign", {initial}, assign, index, t, shape);
  g.publish_variable(index, init, initial, /*trainable=*/false);
  return any_variable(&g, id);
}

/// An op node (no output) that updates state.
SESSIONLIB_INLINE node_id make_update(Graph& g, const std::string& op, const std::string& name, std::vector<output_ref> inputs,
                           kernel_fn k, attributes a, std::vector<node_id> control) {
  return make_operation(g, {.op = op, .name = name, .inputs = std::move(inputs), .kernel = k, .attr = std::move(a),
                            .stateful = true, .control_inputs = std::move(control)})
      .id();
}
#else
SESSIONLIB_DECLARE any_variable make_filled_variable(Graph& g, const std::string& name, dtype t, const std::vector<std::ptrdiff_t>& shape,
                                          double value, output_ref like);
SESSIONLIB_DECLARE node_id make_update(Graph& g, const std::string& op, const std::string& name, std::vector<output_ref> inputs,
                            kernel_fn k, attributes a, std::vector<node_id> control);
#endif
}  // namespace detail

/// The base of the optimizers: TF's Optimizer. A derived optimizer says which
/// slots each variable gets and builds one update op per variable.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = default;
  Optimizer& operator=(const Optimizer&) = default;

  /// The optimizer's name ("Adam"): prefixes its ops and names its slots.
  const std::string& name() const noexcept { return name_; }

  /// d loss / d var for each variable of `var_list` (default: the graph's
  /// trainable variables); a pair's grad is invalid where loss does not depend on var.
  template <TensorLike L>
  std::vector<grad_and_var> compute_gradients(const L& loss, std::vector<any_variable> var_list = {}) const {
    return gradients_of(as_tensor(loss).graph(), as_tensor(loss).id(), std::move(var_list));
  }

#if SESSIONLIB_DEFINITIONS
  /// Updates each variable of `pairs` from its gradient; then adds 1 to
  /// `global_step` if given. All gradients are computed before any variable
  /// changes. Returns the train op.
  SESSIONLIB_INLINE Operation apply_gradients(const std::vector<grad_and_var>& pairs, std::optional<global_step_ref> global_step = std::nullopt,
                            const std::string& name = "") {
    std::vector<const grad_and_var*> live;
    for (const auto& p : pairs)
      if (p.has_gradient()) live.push_back(&p);
    if (live.empty()) {
      std::string names;
      for (const auto& p : pairs) names += (names.empty() ? "" : ", ") + p.var.op_name();
      throw invalid_argument("No gradients provided for any variable, check your graph for ops that do not support "
                             "gradients, between variables [" + names + "] and loss.");
    }
    Graph& g = live.front()->var.graph();
    std::vector<output_ref> grads;
    for (const auto* p : live) {
      if (erased::type_of(g, p->grad) != p->var.dtype())
        throw invalid_argument("gradient and variable '" + p->var.op_name() + "' have different dtypes", p->var.op_name());
      grads.push_back(p->grad);
    }
    prepare(g, live);
    // A gradient that is rows (train/indexed_slices.hpp) updates only those rows.
    std::vector<std::optional<indexed_slices>> sparse;
    for (const auto* p : live) sparse.push_back(detail::indexed_slices_of(g, p->grad, p->var));
    const std::vector<output_ref> waits = detail::update_waits(grads, sparse);
    std::vector<node_id> updates;
    for (std::size_t i = 0; i < live.size(); ++i) {
      const auto& sl = slots_for(g, live[i]->var);
      updates.push_back(sparse[i] ? apply_sparse(g, *sparse[i], live[i]->var, sl, waits)
                                  : apply_dense(g, live[i]->grad, live[i]->var, sl, waits));
    }
    std::vector<node_id> done = finish(g, updates);
    const std::string final_name = name.empty() ? name_ : name;
    if (global_step) {
      if (&global_step->graph() != &g) throw invalid_argument("global_step is of another graph");
      attributes a;
      a.variable = global_step->index();
      done = {detail::make_update(g, "AssignAddOne", final_name + "/global_step_increment", {},
                                  kernels::increment_variable_kernel, std::move(a), std::move(done))};
    }
    return make_operation(g, {.op = "NoOp", .name = final_name, .control_inputs = std::move(done)});
  }
  /// compute_gradients' work, out of its template.
  SESSIONLIB_INLINE std::vector<grad_and_var> gradients_of(Graph& g, output_ref loss, std::vector<any_variable> var_list) const {
    if (var_list.empty()) var_list = trainable_variables(g);
    if (var_list.empty()) throw invalid_argument("No variables to optimize.");
    std::vector<output_ref> xs;
    for (const auto& v : var_list) {
      if (&v.graph() != &g) throw invalid_argument("Variable '" + v.name() + "' is of another graph than the loss");
      if (!erased::is_floating(v.dtype()))
        throw invalid_argument("Invalid type " + std::string(dtype_name(v.dtype())) + " for " + v.op_name() +
                               ", expected: [float32, float64].", v.op_name());
      xs.push_back(v.id());
    }
    // Invalid where a variable does not reach the loss: TF's None.
    const auto grads = ::sessionlib::detail::symbolic_gradients(g, {loss}, {}, xs, "gradients",
                                                                ::sessionlib::detail::unconnected_gradients::none);
    std::vector<grad_and_var> out;
    for (std::size_t i = 0; i < xs.size(); ++i) out.push_back({grads[i], var_list[i]});
    return out;
  }
#else
  SESSIONLIB_DECLARE std::vector<grad_and_var> gradients_of(Graph& g, output_ref loss, std::vector<any_variable> var_list) const;
  SESSIONLIB_DECLARE Operation apply_gradients(const std::vector<grad_and_var>& pairs, std::optional<global_step_ref> global_step = std::nullopt,
                             const std::string& name = "");
#endif

  /// compute_gradients then apply_gradients: the train op (TF's minimize).
  template <TensorLike L>
  Operation minimize(const L& loss, std::vector<any_variable> var_list = {},
                     std::optional<global_step_ref> global_step = std::nullopt, const std::string& name = "") {
    return apply_gradients(compute_gradients(loss, std::move(var_list)), global_step, name);
  }
  /// minimize over the trainable variables, counting steps in `global_step`.
  template <TensorLike L>
  Operation minimize(const L& loss, global_step_ref global_step, const std::string& name = "") {
    return minimize(loss, {}, global_step, name);
  }

  /// The names of the slots each variable gets ("m", "v" for Adam).
  const std::vector<std::string>& get_slot_names() const noexcept { return slot_names_; }
  /// The slot variable `slot_name` of `var`, if apply_gradients created it.
  std::optional<any_variable> get_slot(const any_variable& var, const std::string& slot_name) const {
    auto it = slots_.find({&var.graph(), var.id()});
    if (it == slots_.end()) return std::nullopt;
    for (std::size_t i = 0; i < slot_names_.size(); ++i)
      if (slot_names_[i] == slot_name) return it->second[i];
    return std::nullopt;
  }

 protected:
  /// A slot: its name for get_slot ("m"), the suffix of its variable's name
  /// ("Adam" -> "w/Adam") and its initial value.
  struct slot_spec {
    std::string name, suffix;
    double initial = 0.0;
  };
  /// How a subclass names a slot: the optimizer's name plus `suffix_tail`
  /// ("" -> "w/Adam", "_1" -> "w/Adam_1"). Literals only, so that a separate
  /// unit's constructor builds no string (add_slots does, in the library).
  struct slot_literal {
    const char* name;
    const char* suffix_tail;
    double initial;
  };

  Optimizer(std::string name, hyperparameter learning_rate, std::initializer_list<slot_literal> slots = {})
      : name_(std::move(name)), lr_(learning_rate) {
    if (slots.size() != 0) add_slots(slots.begin(), slots.size());
  }

  /// Called once per apply_gradients before the update ops (Adam's beta powers).
  SESSIONLIB_INLINE virtual void prepare(Graph&, const std::vector<const grad_and_var*>&) {}
  /// Adds the update op of one variable; `all_grads` become its control inputs.
  SESSIONLIB_INLINE virtual node_id apply_dense(Graph& g, output_ref grad, const any_variable& var, const std::vector<any_variable>& slots,
                              const std::vector<output_ref>& all_grads) = 0;
  /// Adds the update op of one variable whose gradient is rows (TF's
  /// _apply_sparse): by default the dense update of `grad.dense`.
  SESSIONLIB_INLINE virtual node_id apply_sparse(Graph& g, const indexed_slices& grad, const any_variable& var,
                                                 const std::vector<any_variable>& slots,
                                                 const std::vector<output_ref>& all_grads) {
    return apply_dense(g, grad.dense, var, slots, all_grads);
  }
  /// Ops that run after every update (Adam's beta-power step); returns what the train op waits for.
  virtual std::vector<node_id> finish(Graph&, std::vector<node_id> updates) { return updates; }

#if SESSIONLIB_DEFINITIONS
  /// The learning rate as a scalar of dtype `t`, one node per graph and dtype.
  SESSIONLIB_INLINE output_ref learning_rate(Graph& g, dtype t) {
    const auto key = std::pair<const Graph*, dtype>{&g, t};
    auto it = lr_nodes_.find(key);
    if (it == lr_nodes_.end()) it = lr_nodes_.emplace(key, lr_.node(g, t)).first;
    return it->second;
  }

  /// An update op `op` of `var` from `grad` and the learning rate; `family`
  /// names its slot variables and hyperparameters (graph/op_attrs.hpp).
  SESSIONLIB_INLINE node_id update_op(Graph& g, const char* op, output_ref grad, const any_variable& var, attr_box family,
                                      kernel_fn k, const std::vector<output_ref>& all_grads) {
    std::vector<node_id> after;
    for (output_ref r : all_grads) after.push_back(r.node);
    return update_op(g, op, grad, var, std::move(family), k, std::move(after));
  }
  /// As above, the update waiting for the nodes `after`.
  SESSIONLIB_INLINE node_id update_op(Graph& g, const char* op, output_ref grad, const any_variable& var, attr_box family,
                                      kernel_fn k, std::vector<node_id> after) {
    attributes a{.variable = var.index(), .family = std::move(family)};
    return detail::make_update(g, op, name_ + "/update_" + var.op_name(), {grad, learning_rate(g, var.dtype())}, k,
                               std::move(a), std::move(after));
  }
  /// A sparse update op `op` of `var` from the rows `grad`: inputs the
  /// learning rate, then each part's values and indices (runtime/kernels/apply_sparse.hpp).
  SESSIONLIB_INLINE node_id sparse_update_op(Graph& g, const char* op, const indexed_slices& grad, const any_variable& var,
                                             attr_box family, kernel_fn k, const std::vector<output_ref>& all_grads) {
    std::vector<node_id> after;
    for (output_ref r : all_grads) after.push_back(r.node);
    return sparse_update_op(g, op, grad, var, std::move(family), k, std::move(after));
  }
  /// As above, the update waiting for the nodes `after`.
  SESSIONLIB_INLINE node_id sparse_update_op(Graph& g, const char* op, const indexed_slices& grad, const any_variable& var,
                                             attr_box family, kernel_fn k, std::vector<node_id> after) {
    std::vector<output_ref> inputs{learning_rate(g, var.dtype())};
    for (const auto& p : grad.parts) inputs.insert(inputs.end(), {p.values, p.indices});
    attributes a{.variable = var.index(), .family = std::move(family)};
    return detail::make_update(g, op, name_ + "/update_" + var.op_name(), std::move(inputs), k, std::move(a),
                               std::move(after));
  }
#else
  SESSIONLIB_DECLARE output_ref learning_rate(Graph& g, dtype t);
  SESSIONLIB_DECLARE node_id sparse_update_op(Graph& g, const char* op, const indexed_slices& grad, const any_variable& var,
                                              attr_box family, kernel_fn k, const std::vector<output_ref>& all_grads);
  SESSIONLIB_DECLARE node_id sparse_update_op(Graph& g, const char* op, const indexed_slices& grad, const any_variable& var,
                                              attr_box family, kernel_fn k, std::vector<node_id> after);
  SESSIONLIB_DECLARE node_id update_op(Graph& g, const char* op, output_ref grad, const any_variable& var, attr_box family,
                                       kernel_fn k, const std::vector<output_ref>& all_grads);
  SESSIONLIB_DECLARE node_id update_op(Graph& g, const char* op, output_ref grad, const any_variable& var, attr_box family,
                                       kernel_fn k, std::vector<node_id> after);
#endif

  std::string name_;

 private:
#if SESSIONLIB_DEFINITIONS
  /// The slot variables of `var`, created on first use.
  SESSIONLIB_INLINE const std::vector<any_variable>& slots_for(Graph& g, const any_variable& var) {
    auto& s = slots_[{&g, var.id()}];
    if (s.empty() && !specs_.empty()) {
      for (const auto& spec : specs_)
        s.push_back(detail::make_filled_variable(g, var.op_name() + "/" + spec.suffix, var.dtype(), var.shape(),
                                                 spec.initial, var.initial_value_id()));
    }
    return s;
  }
  /// The slots' specs and names, from the constructor's literals.
  SESSIONLIB_INLINE void add_slots(const slot_literal* slots, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      specs_.push_back({slots[i].name, name_ + slots[i].suffix_tail, slots[i].initial});
      slot_names_.push_back(slots[i].name);
    }
  }
#else
  SESSIONLIB_DECLARE const std::vector<any_variable>& slots_for(Graph& g, const any_variable& var);
  SESSIONLIB_DECLARE void add_slots(const slot_literal* slots, std::size_t count);
#endif

  hyperparameter lr_;
  std::vector<slot_spec> specs_;
  std::vector<std::string> slot_names_;
  std::map<std::pair<const Graph*, node_id>, std::vector<any_variable>> slots_;
  std::map<std::pair<const Graph*, dtype>, output_ref> lr_nodes_;
};

}  // namespace sessionlib::train
