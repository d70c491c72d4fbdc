// sessionlib/custom_op.hpp: what a custom op's author needs, in one documented
// header. A custom op has three parts, as a TF C++ op has (REGISTER_OP, an
// OpKernel, a Python wrapper):
//
// 1. Its definition, if planning should treat it specially: `sl::define_op`
//    states its flags (graph/op_def.hpp) before its first node. Without one it
//    is a plain deterministic computation: folded over constants, merged with
//    an identical node, given a buffer the planner may share.
//
//        sl::define_op({.type = "Counter", .flags = sl::op_flags::stateful});
//
// 2. A kernel per element type: a free function over `sl::kernel_context`.
//    `ctx.input(i)` is an `sl::any_array` (dtype, run-time shape, data<T>());
//    `ctx.out.ensure(dtype, shape)` sizes the output, reusing last run's buffer
//    when the shape did not change; `ctx.fail(message)` raises
//    sl::invalid_argument naming the node.
//
//        template <class T>
//        void softsign_kernel(sl::kernel_context& ctx) {
//          const sl::any_array& x = ctx.input(0);
//          ctx.out.ensure(x.dtype(), x.shape());
//          for (std::size_t i = 0; i < x.size(); ++i)
//            ctx.out.data<T>()[i] = x.data<T>()[i] / (T(1) + std::abs(x.data<T>()[i]));
//        }
//
// 3. A typed front function that computes the result type at compile time and
//    adds the node with `sl::make_tensor<T, S>(graph, op_spec)`:
//
//        template <sl::TensorLike X>
//        auto softsign(const X& x, const std::string& name = "") {
//          using T = sl::value_type_of<X>;
//          return sl::make_tensor<T, sl::shape_of<X>>(sl::as_tensor(x).graph(),
//              {.op = "Softsign", .name = name, .inputs = {sl::as_tensor(x).id()},
//               .kernel = softsign_kernel<T>});
//        }
//
// An op with attributes (TF's attrs: a flag, an axis, a rate) declares them as
// one struct of named fields (graph/attrs.hpp), sets it in the op_spec and
// reads it in the kernel; nodes merge only when their attributes are equal,
// and GraphDef export writes each field under its name:
//
//        struct scale_attrs {
//          static constexpr const char* family = "Scale";
//          double factor = 1;
//          static constexpr auto fields() { return std::tuple{sl::attr_field("factor", &scale_attrs::factor)}; }
//          friend bool operator==(const scale_attrs&, const scale_attrs&) = default;
//        };
//        ... {.op = "Scale", ..., .kernel = scale_kernel<T>, .attr = {.family = scale_attrs{2.5}}}
//        ... in the kernel: ctx.attrs<scale_attrs>().factor
//
// An op with several outputs adds its node with
// `sl::add_multi_output_node(graph, op_spec, {sl::output_spec{dtype, dims}, ...})`
// and hands out `sl::Tensor<T, S>(&graph, sl::output_ref{id, k})`; its kernel
// writes output k to `ctx.output(k)` (`ctx.output(0)` is `ctx.out`), and its
// gradient, if any, is a `multi_grad_fn` receiving one gradient per output. A
// kernel that keeps per-node state in the session keys it by `ctx.self`.
//
// examples/custom_op.cpp is a complete, tested example.
#pragma once

#include "core/any_array.hpp"
#include "graph/attrs.hpp"
#include "graph/builder.hpp"
#include "graph/handles.hpp"
#include "graph/op_def.hpp"
#include "runtime/kernel.hpp"
#include "runtime/split_work.hpp"
