// String ops: the bytes of strings as numbers (tf.io.decode_raw), strings
// parsed as numbers (tf.strings.to_number), and a whole file as a string
// (tf.io.read_file). What a reader's records become tensors through.
//
//     auto [key, value] = reader.read(filenames);              // Tensor<std::string, shape<>> each
//     auto pixels = sl::decode_raw<std::uint8_t>(value);       // Tensor<uint8, shape<dyn>>
//     auto image = sl::reshape<sl::shape<28, 28>>(pixels);     // checked when run
//     auto x = sl::string_to_number<float>(fields);            // "1.5" -> 1.5f
#pragma once

#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/report.hpp"
#include "../graph/builder.hpp"
#include "../runtime/kernels/string.hpp"
#include "constant.hpp"

namespace sessionlib {

namespace report {
template <class Op, class T>
constexpr void not_string() {
  // Op takes string tensors; T is the operand's element type.
  static_assert(always_false<Op, T>, "sessionlib: this op takes string tensors only");
}
template <class T>
constexpr void string_to_number_type() {
  // T is the requested result type; TF's StringToNumber makes float, double, int32 or int64.
  static_assert(always_false<T>, "sessionlib: string_to_number: the result type must be float, double, int32 or int64");
}
template <class T>
constexpr void decode_raw_type() {
  // T is the requested result type: a number or bool (strings have no fixed size).
  static_assert(always_false<T>, "sessionlib: decode_raw: the result type must be a number or bool, not string");
}
}  // namespace report

namespace detail {
template <class S> struct append_dyn;
template <std::ptrdiff_t... D> struct append_dyn<shape<D...>> { using type = shape<D..., dyn>; };

struct decode_raw_op {};
struct string_to_number_op {};
struct read_file_op {};
}  // namespace detail

/// The bytes of each string as values of T (TF's tf.io.decode_raw, DecodeRaw):
/// a result with one more dimension, of size (string length) / sizeof(T).
/// Every string must have the same length (TF's message otherwise);
/// `little_endian` says how the bytes are ordered.
template <class T, TensorLike B>
auto decode_raw(const B& bytes, bool little_endian = true, const std::string& name = "") {
  using S = typename detail::append_dyn<shape_of<B>>::type;
  if constexpr (!StringElement<value_type_of<B>>) {
    report::not_string<detail::decode_raw_op, value_type_of<B>>();  // decode_raw reads the bytes of strings
    return Tensor<T, S>();
  } else if constexpr (!TrivialElement<T>) {
    report::decode_raw_type<T>();
    return Tensor<T, S>();
  } else {
    const auto b = as_tensor(bytes);
    return make_tensor<T, S>(b.graph(), {.op = "DecodeRaw", .name = name, .inputs = {b.id()},
                                         .kernel = kernels::decode_raw_kernel<T>,
                                         .attr = {.family = decode_raw_attrs{.little_endian = little_endian}}});
  }
}

/// Each string parsed as a T (TF's tf.strings.to_number, StringToNumber): float
/// (TF's default), double, int32 or int64; surrounding whitespace is allowed.
/// A string that is no such number: sl::invalid_argument, TF's
/// "StringToNumberOp could not correctly convert string: <s>".
template <class T = float, TensorLike X>
auto string_to_number(const X& strings, const std::string& name = "") {
  using S = shape_of<X>;
  if constexpr (!StringElement<value_type_of<X>>) {
    report::not_string<detail::string_to_number_op, value_type_of<X>>();  // already a number: sl::cast<T>
    return Tensor<T, S>();
  } else if constexpr (!(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int32_t> ||
                         std::is_same_v<T, std::int64_t>)) {
    report::string_to_number_type<T>();
    return Tensor<T, S>();
  } else {
    const auto x = as_tensor(strings);
    return make_tensor<T, S>(x.graph(), {.op = "StringToNumber", .name = name, .inputs = {x.id()},
                                         .kernel = kernels::string_to_number_kernel<T>});
  }
}

/// A required column of sl::decode_csv: no default, an empty field fails
/// (TF's empty record default).
template <class T>
struct csv_required {};

/// sl::decode_csv's options (TF's keyword arguments).
struct csv_options {
  char field_delim = ',';
  bool use_quote_delim = true;  // "..." fields, "" for a quote inside
  std::string na_value{};       // a field equal to it takes its default, as an empty one
};

namespace detail {
template <class D> struct csv_column_impl {};
template <> struct csv_column_impl<float> { using type = float; };
template <> struct csv_column_impl<double> { using type = double; };
template <> struct csv_column_impl<std::int32_t> { using type = std::int32_t; };
template <> struct csv_column_impl<std::int64_t> { using type = std::int64_t; };
template <> struct csv_column_impl<std::string> { using type = std::string; };
template <> struct csv_column_impl<const char*> { using type = std::string; };
template <std::size_t N> struct csv_column_impl<char[N]> { using type = std::string; };
template <class T> struct csv_column_impl<csv_required<T>> : csv_column_impl<T> {};
/// The column type of a decode_csv default: float, double, int32, int64 or std::string.
template <class D> using csv_column = typename csv_column_impl<std::remove_cvref_t<D>>::type;
template <class D>
concept CsvDefault = requires { typename csv_column<D>; };

template <class D>
Tensor<csv_column<D>, shape<dyn>> csv_default(Graph& g, const D& d) {
  using T = csv_column<D>;
  xt::xtensor<T, 1> v = xt::xtensor<T, 1>::from_shape({0});
  if constexpr (!std::is_same_v<std::remove_cvref_t<D>, csv_required<T>>) v = xt::xtensor<T, 1>{T(d)};
  return constant(g, v);
}

struct decode_csv_op {};
template <class D>
constexpr void report_csv_default() {
  // D is the default given; write a float, double, int32, int64 or string value, or sl::csv_required<T>{}.
  static_assert(report::always_false<D>,
                "sessionlib: decode_csv: a default must be a float, double, int32, int64 or string value, or "
                "sl::csv_required<T>{}");
}
}  // namespace detail

/// The columns of CSV records (TF's tf.io.decode_csv, DecodeCSV): one tensor
/// per default, of the records' shape, whose type the default gives (float,
/// double, int32, int64, std::string; `sl::csv_required<T>{}` for a column
/// without a default). An empty field (or one equal to `na_value`) takes its
/// column's default. TF's messages: "Expect 3 fields but have 2 in record 0",
/// "Field 1 is required but missing in record 0!", "Field 0 in record 0 is not
/// a valid float: x", and the quoting errors.
///
///     auto [x, y, label] = sl::decode_csv(line, std::tuple{0.f, 0.f, sl::csv_required<std::int64_t>{}});
template <TensorLike R, class... D>
auto decode_csv(const R& records, const std::tuple<D...>& record_defaults, const csv_options& o = {},
                const std::string& name = "") {
  using S = shape_of<R>;
  if constexpr (!StringElement<value_type_of<R>>) {
    report::not_string<detail::decode_csv_op, value_type_of<R>>();  // decode_csv splits string records
    return std::tuple<>{};
  } else if constexpr (!(detail::CsvDefault<D> && ...)) {
    (detail::report_csv_default<D>(), ...);
    return std::tuple<>{};
  } else {
    static_assert(sizeof...(D) > 0, "sessionlib: decode_csv: give one default per column");
    const auto r = as_tensor(records);
    Graph& g = r.graph();
    std::vector<output_ref> inputs{r.id()};
    std::apply([&](const auto&... d) { (inputs.push_back(detail::csv_default(g, d).id()), ...); }, record_defaults);
    const std::vector<std::ptrdiff_t> shape(S::extents.begin(), S::extents.end());
    const node_id id = add_multi_output_node(
        g,
        {.op = "DecodeCSV", .name = name, .inputs = std::move(inputs), .kernel = kernels::decode_csv_kernel,
         .attr = {.family = decode_csv_attrs{.field_delim = std::string(1, o.field_delim),
                                             .use_quote_delim = o.use_quote_delim, .na_value = o.na_value}}},
        {output_spec{dtype_of<detail::csv_column<D>>, shape}...});
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple{Tensor<detail::csv_column<D>, S>(&g, output_ref{id, static_cast<std::uint32_t>(I)})...};
    }(std::index_sequence_for<D...>{});
  }
}

namespace io {
/// The whole content of the file the scalar string `filename` names (TF's
/// tf.io.read_file, ReadFile). A file that cannot be read: TF's error, e.g.
/// sl::not_found "<filename>; No such file or directory".
template <TensorLike F>
Tensor<std::string, shape<>> read_file(const F& filename, const std::string& name = "") {
  if constexpr (!StringElement<value_type_of<F>> || shape_of<F>::rank() != 0) {
    report::not_string<detail::read_file_op, value_type_of<F>>();  // read_file takes a scalar string tensor
    return {};
  } else {
    const auto f = as_tensor(filename);
    return make_tensor<std::string, shape<>>(f.graph(), {.op = "ReadFile", .name = name, .inputs = {f.id()},
                                                         .kernel = kernels::read_file_kernel, .stateful = true});
  }
}
/// read_file of a file name known when the graph is built.
inline Tensor<std::string, shape<>> read_file(Graph& g, const std::string& filename, const std::string& name = "") {
  return read_file(constant(g, filename), name);
}
}  // namespace io

}  // namespace sessionlib
