// GraphDef import and export of reductions: Sum, Mean, Prod, Max, Min (numeric),
// Any, All (bool) with keep_dims and constant reduction_indices; ArgMax, ArgMin
// with a constant dimension and output_type int64.
#pragma once

#include "../ops/reduce.hpp"
#include "ops_support.hpp"

namespace sessionlib::detail::gd {

template <class Red, types R>
node_import reduction(import_context& c) {
  c.need_inputs(2);
  const auto& in = c.input_shape(0);
  if (!in) throw import_unsupported("a reduction of a tensor of unknown rank");
  const std::vector<std::int64_t> ax = infer::axes(c, c.constant_ints(1, "reduction_indices"), in->size());
  const bool keep = c.attr_bool("keep_dims", false);
  const auto out = infer::reduce(*in, ax, keep);
  return dispatch<R>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(1, kernels::reduce_kernel<T, Red>);
    s.attr.family = reduce_attrs{.axes = ax, .keep_dims = keep};
    return make(std::move(s), dtype_of<T>, out);
  });
}

template <bool IsMax>
node_import arg_reduction(import_context& c) {
  c.need_inputs(2);
  const auto& in = c.input_shape(0);
  if (!in) throw import_unsupported("ArgMax/ArgMin of a tensor of unknown rank");
  const auto d = c.constant_ints(1, "dimension");
  if (d.size() != 1) c.fail("dimension must be a scalar");
  if (const AttrValue* o = c.attr("output_type"))
    if (const auto* t = o->get_if<DataType>(); t && *t != DataType::DT_INT64)
      throw import_unsupported("output_type other than DT_INT64");
  const std::vector<std::int64_t> ax{static_cast<std::int64_t>(infer::axis(c, d[0], in->size()))};
  return dispatch<types::numeric>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(1, kernels::arg_reduce_kernel<T, IsMax>);
    s.attr.family = axis_attrs{.axis = ax.at(0)};
    return make(std::move(s), dtype::int64, infer::reduce(*in, ax, false));
  });
}

inline const bool reduce_ops_registered = [] {
  namespace r = kernels::reducers;
  register_graph_def_op({"Sum"}, reduction<r::sum, types::numeric>, nullptr);
  register_graph_def_op({"Mean"}, reduction<r::mean, types::numeric>, nullptr);
  register_graph_def_op({"Prod"}, reduction<r::prod, types::numeric>, nullptr);
  register_graph_def_op({"Max"}, reduction<r::max, types::numeric>, nullptr);
  register_graph_def_op({"Min"}, reduction<r::min, types::numeric>, nullptr);
  register_graph_def_op({"Any"}, reduction<r::any, types::boolean>, nullptr);
  register_graph_def_op({"All"}, reduction<r::all, types::boolean>, nullptr);
  register_graph_def_op({"ArgMax"}, arg_reduction<true>, nullptr);
  register_graph_def_op({"ArgMin"}, arg_reduction<false>, nullptr);
  return true;
}();

}  // namespace sessionlib::detail::gd
