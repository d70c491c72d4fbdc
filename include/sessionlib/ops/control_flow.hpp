// Control flow with types: sl::cond and sl::while_loop (scan, map_fn and the
// folds are in ops/functional.hpp). TF's functional If and While: a branch or
// a body is the user's callable, called once while the graph builds, inside a
// frame of the graph (Graph::frame_guard); the nodes it adds run only when the
// control-flow node's kernel runs them (runtime/kernels/control_flow.hpp).
// Values of the graph a body reads from outside (a captured tensor, a
// variable) become inputs of the control-flow node.
//
// What is checked at compile time (each a `sessionlib:` message):
//   cond:       the predicate is a bool scalar; both branches return the same
//               structure (a tensor or a std::tuple of tensors) of the same
//               dtypes and ranks, and static dimensions that agree; a dimension
//               `dyn` on either side is `dyn` in the result ("sessionlib: cond:
//               the branches return different types", naming both).
//   while_loop: the condition takes the loop variables and returns a bool
//               scalar; the body returns as many variables ("sessionlib:
//               while_loop: the body returns a different number of loop
//               variables"), each of its variable's dtype and rank, with its
//               static dimensions ("sessionlib: while_loop: the body changes
//               a loop variable's type", naming the position, the variable's
//               type and the body's). A variable's type is its shape
//               invariant: a `dyn` dimension may change between iterations.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../core/aggregate.hpp"
#include "../core/report.hpp"
#include "../graph/builder.hpp"
#include "../runtime/kernels/control_flow.hpp"

namespace sessionlib {

/// while_loop's options (TF's keyword arguments).
struct while_options {
  /// Stops the loop after this many iterations even if the condition holds (-1: no limit).
  std::int64_t maximum_iterations = -1;
  /// Accepted for TF's signature; iterations run one after another.
  std::int64_t parallel_iterations = 10;
};

namespace report {
template <class Pred>
constexpr void cond_predicate() {
  // Pred is the predicate given: cond needs a Tensor<bool, sl::shape<>> (e.g. `x > 0.f` of a scalar x).
  static_assert(always_false<Pred>, "sessionlib: cond: the predicate must be a bool scalar (Tensor<bool, shape<>>)");
}
template <class Branch>
constexpr void cond_branch_result() {
  // Branch is what a branch returns: make it return a tensor or a std::tuple of tensors.
  static_assert(always_false<Branch>, "sessionlib: cond: a branch must return a tensor or a std::tuple of tensors");
}
template <class TrueBranch, class FalseBranch>
constexpr void cond_branch_types() {
  // The true branch's result type, then the false branch's: dtypes, ranks and
  // static dimensions must agree (declare a dimension sl::dyn to let it differ).
  static_assert(always_false<TrueBranch, FalseBranch>, "sessionlib: cond: the branches return different types");
}
template <class Cond>
constexpr void while_condition() {
  // Cond is what the condition returns (or void if it cannot take the loop variables unpacked).
  static_assert(always_false<Cond>,
                "sessionlib: while_loop: the condition must take the loop variables and return a bool scalar "
                "(Tensor<bool, shape<>>)");
}
template <class Body>
constexpr void while_body_result() {
  // Body is what the body returns (void if it cannot take the loop variables unpacked).
  static_assert(always_false<Body>,
                "sessionlib: while_loop: the body must take the loop variables and return a tensor or a std::tuple "
                "of tensors");
}
template <std::size_t Variables, std::size_t Returned>
constexpr void while_body_count() {
  // How many loop variables there are, then how many the body returns.
  static_assert(always_false_dims<Variables, Returned>,
                "sessionlib: while_loop: the body returns a different number of loop variables");
}
template <std::size_t Position, class Variable, class Returned>
constexpr void while_body_changes() {
  // Loop variable `Position` (from 0) enters as Variable and the body returns
  // Returned: the same dtype and rank, and each static dimension kept (declare
  // the variable's dimension sl::dyn to let it vary).
  static_assert(always_false<Variable, Returned>, "sessionlib: while_loop: the body changes a loop variable's type");
}
template <class Aggregate, class Returned>
constexpr void while_aggregate_body() {
  // The loop variables' struct, then what the body returns: a body over a
  // struct of tensors returns that struct (its fields' types are the invariants).
  static_assert(always_false<Aggregate, Returned>,
                "sessionlib: while_loop: a body over a struct of loop variables must return that struct");
}
}  // namespace report

namespace detail {
/// A body as built: its frame, its arguments, its results and the node ids it spans.
struct body_record {
  std::uint32_t frame = 0;
  std::vector<node_id> args;
  std::vector<output_ref> results;
  node_id begin = 0, end = 0;
};

#if SESSIONLIB_DEFINITIONS
/// Writes body `b`'s frame, arguments and results into `attrs`, where the
/// kernels find them (runtime/kernels/control_flow.hpp, body_of).
SESSIONLIB_INLINE void record_body(control_flow_attrs& attrs, const body_record& b) {
  attrs.frames.push_back(b.frame);
  attrs.arg_counts.push_back(static_cast<std::int64_t>(b.args.size()));
  for (node_id a : b.args) attrs.args.push_back(a);
  attrs.result_counts.push_back(static_cast<std::int64_t>(b.results.size()));
  for (output_ref r : b.results) attrs.results.push_back(static_cast<std::int64_t>((std::uint64_t{r.node} << 32) | r.index));
}

/// Adds control-flow node `op` (If, While, Scan) running `bodies`: its inputs
/// are `lead` and then the values the bodies read from outside their frames
/// (their captures), its outputs `outputs`. Fills `attrs`' bodies and captures.
SESSIONLIB_INLINE node_id add_control_flow_node(Graph& g, std::string op, std::string name, std::vector<output_ref> lead,
                                                const std::vector<body_record>& bodies, control_flow_attrs attrs,
                                                kernel_fn kernel, std::vector<output_spec> outputs) {
  std::vector<output_ref> captures;
  auto capture = [&](const body_record& b, output_ref r) {
    if (g.at(r.node).frame != b.frame && std::find(captures.begin(), captures.end(), r) == captures.end())
      captures.push_back(r);
  };
  for (const body_record& b : bodies) {
    for (node_id id = b.begin; id < b.end; ++id) {
      const node& n = g.at(id);
      if (n.frame != b.frame) continue;  // another thread's node, or a nested body's
      for (output_ref in : n.inputs) capture(b, in);
    }
    for (output_ref r : b.results) capture(b, r);  // a result read from outside: fed, not computed
    record_body(attrs, b);
  }
  attrs.captures = static_cast<std::int64_t>(captures.size());
  lead.insert(lead.end(), captures.begin(), captures.end());
  return add_multi_output_node(g, {.op = std::move(op), .name = std::move(name), .inputs = std::move(lead),
                                   .kernel = kernel, .attr = {.family = std::move(attrs)}},
                               std::move(outputs));
}
#else
SESSIONLIB_DECLARE void record_body(control_flow_attrs& attrs, const body_record& b);
SESSIONLIB_DECLARE node_id add_control_flow_node(Graph& g, std::string op, std::string name, std::vector<output_ref> lead,
                                                 const std::vector<body_record>& bodies, control_flow_attrs attrs,
                                                 kernel_fn kernel, std::vector<output_spec> outputs);
#endif

// ---- Structures of handles: a tensor or a std::tuple of tensors ----------------

template <class X> struct structure_impl { static constexpr bool ok = false; };
template <TensorLike X> struct structure_impl<X> {
  static constexpr bool ok = true;
  using type = Tensor<value_type_of<X>, shape_of<X>>;
  using leaves = std::tuple<type>;
};
template <TensorLike... X> struct structure_impl<std::tuple<X...>> {
  static constexpr bool ok = sizeof...(X) > 0;
  using type = std::tuple<Tensor<value_type_of<X>, shape_of<X>>...>;
  using leaves = type;
};
/// The structure of handles a callable returns, its leaves as Tensors.
template <class R> using structure_t = typename structure_impl<std::remove_cvref_t<R>>::type;
template <class R> using leaves_t = typename structure_impl<std::remove_cvref_t<R>>::leaves;
template <class R> inline constexpr bool is_structure = structure_impl<std::remove_cvref_t<R>>::ok;

/// The outputs a structure's leaves are.
template <class R>
std::vector<output_ref> flatten(const R& r) {
  if constexpr (TensorLike<R>) return {as_tensor(r).id()};
  else return std::apply([](const auto&... x) { return std::vector<output_ref>{as_tensor(x).id()...}; }, r);
}

/// The dtypes and static shapes of a tuple of Tensors, as a node's outputs.
template <class... X>
std::vector<output_spec> output_specs(std::tuple<X...>*) {
  return {output_spec{dtype_of<value_type_of<X>>,
                      std::vector<std::ptrdiff_t>(shape_of<X>::extents.begin(), shape_of<X>::extents.end())}...};
}

/// Structure R over outputs first, first+1, ... of node `id`.
template <class R>
R rebuild(Graph& g, node_id id) {
  if constexpr (TensorLike<R>) {
    return R(&g, output_ref{id, 0});
  } else {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return R{std::tuple_element_t<I, R>(&g, output_ref{id, static_cast<std::uint32_t>(I)})...};
    }(std::make_index_sequence<std::tuple_size_v<R>>{});
  }
}

/// The arguments of a body: one _Arg node of each type in Args.
template <class... Args>
std::tuple<Args...> make_args(Graph& g, body_record& rec) {
  std::tuple<Args...> args{make_tensor<value_type_of<Args>, shape_of<Args>>(
      g, {.op = "_Arg", .name = "arg", .kernel = kernels::arg_kernel})...};
  std::apply([&](const auto&... a) { (rec.args.push_back(a.id().node), ...); }, args);
  return args;
}

/// Calls `f(args...)` inside a new frame of `g` (named scope `scope`), recording
/// the body in `rec`; returns what f returns.
template <class... Args, class F>
auto build_body(Graph& g, const std::string& scope, F& f, body_record& rec) {
  auto named = g.name_scope(scope);
  Graph::frame_guard frame(g);
  rec.frame = frame.id();
  rec.begin = static_cast<node_id>(g.size());
  auto args = make_args<Args...>(g, rec);
  auto out = std::apply(f, args);
  rec.results = flatten(out);
  rec.end = static_cast<node_id>(g.size());
  return out;
}

// ---- Type rules ----------------------------------------------------------------

/// The tensor type both of A and B may be (cond's rule): the same dtype and
/// rank, each dimension equal or `dyn` on one side (then `dyn`).
template <class A, class B> struct merge_leaf {
  static constexpr bool ok = false;
  using type = void;
};
template <class T, std::ptrdiff_t... DA, std::ptrdiff_t... DB>
  requires(sizeof...(DA) == sizeof...(DB))
struct merge_leaf<Tensor<T, shape<DA...>>, Tensor<T, shape<DB...>>> {
  static constexpr bool ok = ((DA == DB || DA == dyn || DB == dyn) && ...);
  using type = Tensor<T, shape<(DA == DB ? DA : dyn)...>>;
};
template <class A, class B> struct merge_impl {
  static constexpr bool ok = false;
};
template <class... A, class... B>
  requires(sizeof...(A) == sizeof...(B))
struct merge_impl<std::tuple<A...>, std::tuple<B...>> {
  static constexpr bool ok = (merge_leaf<A, B>::ok && ...);
  using leaves = std::tuple<typename merge_leaf<A, B>::type...>;
};

/// True when a value of type R may be the next value of a loop variable of
/// type V: the same dtype and rank, V's static dimensions kept.
template <class V, class R> inline constexpr bool fits_variable = false;
template <class T, std::ptrdiff_t... DV, std::ptrdiff_t... DR>
  requires(sizeof...(DV) == sizeof...(DR))
inline constexpr bool fits_variable<Tensor<T, shape<DV...>>, Tensor<T, shape<DR...>>> = ((DV == dyn || DV == DR) && ...);

/// Reports the first loop variable the body's results (tuple R) change, if any.
template <class Vars, class R, std::size_t I = 0>
constexpr bool check_loop_variables() {
  if constexpr (I == std::tuple_size_v<Vars>) {
    return true;
  } else if constexpr (!fits_variable<std::tuple_element_t<I, Vars>, std::tuple_element_t<I, R>>) {
    report::while_body_changes<I, std::tuple_element_t<I, Vars>, std::tuple_element_t<I, R>>();  // see its comment
    return false;
  } else {
    return check_loop_variables<Vars, R, I + 1>();
  }
}

template <class P>
inline constexpr bool is_bool_scalar = [] {
  if constexpr (TensorLike<P>) return std::is_same_v<value_type_of<P>, bool> && shape_of<P>::rank() == 0;
  else return false;
}();

template <class F, class Tuple> struct apply_result {
  using type = void;
};
template <class F, class... X>
  requires std::is_invocable_v<F&, X&...>
struct apply_result<F, std::tuple<X...>> {
  using type = std::invoke_result_t<F&, X&...>;
};
/// What f returns given the elements of Tuple unpacked (void if it cannot take them).
template <class F, class Tuple> using apply_result_t = typename apply_result<F, Tuple>::type;
}  // namespace detail

/// TF's tf.cond: `true_fn()` when `pred` is true, else `false_fn()`; only the
/// branch taken runs. Each branch returns a tensor or a std::tuple of tensors,
/// the same structure of the same types (see the top of this header); the
/// result has that structure. Both branches are built once, here.
template <class P, class TrueFn, class FalseFn>
auto cond(const P& pred, TrueFn&& true_fn, FalseFn&& false_fn, const std::string& name = "cond") {
  using RT = std::invoke_result_t<TrueFn&>;
  using RF = std::invoke_result_t<FalseFn&>;
  if constexpr (!detail::is_bool_scalar<P>) {
    report::cond_predicate<P>();  // pred must be a Tensor<bool, sl::shape<>>
    return;
  } else if constexpr (!detail::is_structure<RT> || !detail::is_structure<RF>) {
    report::cond_branch_result<std::conditional_t<detail::is_structure<RT>, RF, RT>>();  // see its comment
    return;
  } else if constexpr (!detail::merge_impl<detail::leaves_t<RT>, detail::leaves_t<RF>>::ok ||
                       TensorLike<RT> != TensorLike<RF>) {
    report::cond_branch_types<detail::structure_t<RT>, detail::structure_t<RF>>();  // see its comment
    return;
  } else {
    using leaves = typename detail::merge_impl<detail::leaves_t<RT>, detail::leaves_t<RF>>::leaves;
    using result = std::conditional_t<TensorLike<RT>, std::tuple_element_t<0, leaves>, leaves>;
    Graph& g = as_tensor(pred).graph();
    auto scope = g.name_scope(name);
    std::vector<detail::body_record> bodies(2);
    detail::build_body<>(g, "then", true_fn, bodies[0]);
    detail::build_body<>(g, "else", false_fn, bodies[1]);
    const node_id id = detail::add_control_flow_node(g, "If", "If", {as_tensor(pred).id()}, bodies, {},
                                                     kernels::if_kernel,
                                                     detail::output_specs(static_cast<leaves*>(nullptr)));
    return detail::rebuild<result>(g, id);
  }
}

namespace detail {
template <std::size_t I, class Pairs, class DefaultFn>
auto case_from(const Pairs& pairs, DefaultFn& default_fn, const std::string& name) {
  if constexpr (I == std::tuple_size_v<Pairs>) {
    return default_fn();
  } else {
    auto rest = [&] { return case_from<I + 1>(pairs, default_fn, name); };
    return cond(std::get<I>(pairs).first, std::get<I>(pairs).second, rest, name);
  }
}
}  // namespace detail

/// TF's tf.case (exclusive=False): the callable of the first pair whose
/// predicate is true, else `default_fn()`; only that one runs. Built as nested
/// conds, so the types follow cond's rules (a `dyn` anywhere gives `dyn`):
/// `sl::case_(std::tuple{std::pair{x < 0.f, f1}, std::pair{x < 1.f, f2}}, f3)`.
template <class... P, class... F, class DefaultFn>
auto case_(const std::tuple<std::pair<P, F>...>& pred_fn_pairs, DefaultFn&& default_fn, const std::string& name = "case") {
  return detail::case_from<0>(pred_fn_pairs, default_fn, name);
}

/// TF's tf.while_loop: while `cond_fn(vars...)`, `vars = body_fn(vars...)`;
/// returns the final variables as a std::tuple of tensors of the variables'
/// types. `loop_vars` is a std::tuple of tensors; the body returns a tuple of
/// as many (a single tensor for one variable), each fitting its variable's type
/// (see the top of this header). Values the callables capture are inputs of the
/// loop, computed once before it. `options.maximum_iterations` bounds the loop;
/// RunOptions::timeout stops it (sl::deadline_exceeded).
template <class CondFn, class BodyFn, TensorLike... V>
auto while_loop(CondFn&& cond_fn, BodyFn&& body_fn, const std::tuple<V...>& loop_vars, while_options options = {},
                const std::string& name = "while") {
  using vars = std::tuple<Tensor<value_type_of<V>, shape_of<V>>...>;
  using RC = detail::apply_result_t<CondFn, vars>;
  using RB = detail::apply_result_t<BodyFn, vars>;
  if constexpr (sizeof...(V) == 0) {
    report::while_body_count<sizeof...(V), 1>();  // a loop needs at least one variable
    return;
  } else if constexpr (!detail::is_bool_scalar<RC>) {
    report::while_condition<RC>();  // see its comment
    return;
  } else if constexpr (!detail::is_structure<RB>) {
    report::while_body_result<RB>();  // see its comment
    return;
  } else if constexpr (std::tuple_size_v<detail::leaves_t<RB>> != sizeof...(V)) {
    report::while_body_count<sizeof...(V), std::tuple_size_v<detail::leaves_t<RB>>>();  // see its comment
    return;
  } else if constexpr (!detail::check_loop_variables<vars, detail::leaves_t<RB>>()) {
    return;  // reported by check_loop_variables
  } else {
    Graph& g = std::apply([](const auto&... v) -> Graph& { return common_graph(v...); }, loop_vars);
    auto scope = g.name_scope(name);
    std::vector<detail::body_record> bodies(2);
    detail::build_body<Tensor<value_type_of<V>, shape_of<V>>...>(g, "cond", cond_fn, bodies[0]);
    detail::build_body<Tensor<value_type_of<V>, shape_of<V>>...>(g, "body", body_fn, bodies[1]);
    std::vector<output_ref> inputs = std::apply([](const auto&... v) { return std::vector<output_ref>{as_tensor(v).id()...}; },
                                                loop_vars);
    control_flow_attrs attrs;
    attrs.maximum_iterations = options.maximum_iterations;
    attrs.parallel_iterations = options.parallel_iterations;
    const node_id id = detail::add_control_flow_node(g, "While", "While", std::move(inputs), bodies, std::move(attrs),
                                                     kernels::while_kernel,
                                                     detail::output_specs(static_cast<vars*>(nullptr)));
    return detail::rebuild<vars>(g, id);
  }
}

namespace detail {
/// The fields of aggregate `a`, copied into a std::tuple.
template <class A>
auto fields_of(const A& a) {
  return std::apply([](const auto&... f) { return std::tuple{f...}; }, tie_fields<field_count<A>()>(a));
}
template <class Tup> struct all_tensors;
template <class... F> struct all_tensors<std::tuple<F...>> : std::bool_constant<(TensorLike<std::remove_cvref_t<F>> && ...)> {};
/// A struct whose fields are all tensors: loop variables by name.
template <class A>
concept LoopAggregate = std::is_aggregate_v<A> && !std::is_array_v<A> && !TensorLike<A> && field_count<A>() > 0 &&
                        all_tensors<decltype(tie_fields<field_count<A>()>(std::declval<const A&>()))>::value;
}  // namespace detail

/// while_loop over a struct of tensors, the loop variables by name (TF's
/// namedtuple loop_vars): `cond_fn(state)` and `body_fn(state)` take the
/// struct and the body returns one; returns the final struct. Its fields'
/// types are the shape invariants, as a tuple's are.
///
///   struct state { sl::Tensor<int, sl::shape<>> i; sl::Tensor<float, sl::shape<4>> acc; };
///   state out = sl::while_loop([](const state& s) { return s.i < 10; },
///                              [](const state& s) { return state{s.i + 1, s.acc * 2.f}; }, state{i0, acc0});
template <class CondFn, class BodyFn, detail::LoopAggregate A>
A while_loop(CondFn&& cond_fn, BodyFn&& body_fn, const A& loop_vars, while_options options = {},
             const std::string& name = "while") {
  auto make = [](const auto&... v) { return A{v...}; };
  using returned = std::remove_cvref_t<std::invoke_result_t<BodyFn&, const A&>>;
  if constexpr (!std::is_same_v<returned, A>) {
    report::while_aggregate_body<A, returned>();  // see its comment
    return loop_vars;
  } else {
    auto out = while_loop([&](const auto&... v) { return cond_fn(make(v...)); },
                          [&](const auto&... v) { return detail::fields_of(body_fn(make(v...))); },
                          detail::fields_of(loop_vars), options, name);
    return std::apply(make, out);
  }
}

}  // namespace sessionlib
