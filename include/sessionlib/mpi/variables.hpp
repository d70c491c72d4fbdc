// sl::mpi::broadcast_global_variables: Horovod's broadcast_global_variables, an
// operation that assigns every global variable the root rank's value, run once
// after initialisation or restore so that every rank starts from one model.
#pragma once

#include <string>
#include <vector>

#include "../ops/control.hpp"
#include "../ops/state.hpp"
#include "../runtime/kernels/state.hpp"
#include "ops.hpp"

namespace sessionlib::mpi {

namespace detail {
/// Calls `f.template operator()<T>()` for the element type of `t` that
/// collectives take (float, double, int32, int64); sl::invalid_argument otherwise.
template <class F>
decltype(auto) visit_collective(dtype t, const std::string& what, F&& f) {
  switch (t) {
    case dtype::float32: return f.template operator()<float>();
    case dtype::float64: return f.template operator()<double>();
    case dtype::int32: return f.template operator()<std::int32_t>();
    case dtype::int64: return f.template operator()<std::int64_t>();
    default:
      throw invalid_argument(what + ": MPI collectives take float32, float64, int32 and int64, not " +
                             std::string(dtype_name(t)));
  }
}
}  // namespace detail

/// An operation assigning every global variable of `g` (tf.global_variables,
/// optimizer slots included) its value on rank `root`. Run it after the
/// variables are initialised or restored; every rank must run it.
inline Operation broadcast_global_variables(Graph& g, int root, const std::string& name = "broadcast_global_variables") {
  std::vector<node_id> assigns;
  for (const any_variable& v : global_variables(g)) {
    const dtype t = v.dtype();
    const std::string what = "broadcast_global_variables: variable '" + v.name() + "'";
    const auto [bcast, assign] = detail::visit_collective(t, what, [&]<class T>() {
      return std::pair<kernel_fn, kernel_fn>{detail::broadcast_kernel<T>, kernels::assign_kernel<T>};
    });
    const node_id b = detail::add_collective(g, "MpiBroadcast", {output_ref{v.id()}}, bcast, nullptr,
                                             {.root_rank = root}, t, v.shape(), v.op_name() + "/MpiBroadcast");
    assigns.push_back(::sessionlib::detail::state_node(g, "Assign", v.op_name() + "/MpiBroadcast/Assign",
                                                       {output_ref{b}}, assign, v.index(), t, v.shape()));
  }
  return make_operation(g, {.op = "NoOp", .name = name, .control_inputs = std::move(assigns)});
}

}  // namespace sessionlib::mpi
