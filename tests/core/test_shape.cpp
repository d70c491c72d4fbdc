// The compile-time vocabulary: shapes, the shape algebra, dtypes.
#include <doctest/doctest.h>

#include <sessionlib/core/dtype.hpp>
#include <sessionlib/core/shape_algebra.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

// shape<...> follows mdspan's vocabulary.
static_assert(shape<dyn, 784>::rank() == 2);
static_assert(shape<dyn, 784>::rank_dynamic() == 1);
static_assert(shape<dyn, 784>::static_extent(1) == 784);
static_assert(shape<3, 4>::static_size() == 12);
static_assert(shape<dyn, 4>::static_size() == dyn);
static_assert(shape<>::rank() == 0 && shape<>::static_size() == 1);
static_assert(std::is_same_v<sl::dyn_shape<3>, shape<dyn, dyn, dyn>>);

// Broadcasting, numpy's rules, with dyn deferring to run time.
namespace alg = sl::algebra;
constexpr std::array<std::ptrdiff_t, 2> a23{2, 3};
constexpr std::array<std::ptrdiff_t, 1> a3{3};
constexpr std::array<std::ptrdiff_t, 2> a41{4, 1};
constexpr std::array<std::ptrdiff_t, 3> a513{5, 1, 3};
static_assert(alg::broadcast(a23, a3).ok && alg::broadcast(a23, a3).dims == std::array<std::ptrdiff_t, 2>{2, 3});
static_assert(alg::broadcast(a513, a41).dims == std::array<std::ptrdiff_t, 3>{5, 4, 3});
static_assert(!alg::broadcast(a23, a41).ok);
static_assert(alg::broadcast(a23, a41).bad_a == 2 && alg::broadcast(a23, a41).bad_b == 4);
static_assert(alg::broadcast(std::array<std::ptrdiff_t, 2>{dyn, 3}, a41).dims == std::array<std::ptrdiff_t, 2>{4, 3});

// matmul, 2-D and batched, with transpose flags.
static_assert(alg::matmul(std::array<std::ptrdiff_t, 2>{dyn, 784}, std::array<std::ptrdiff_t, 2>{784, 10}, false, false).dims ==
              std::array<std::ptrdiff_t, 2>{dyn, 10});
static_assert(!alg::matmul(std::array<std::ptrdiff_t, 2>{784, 10}, std::array<std::ptrdiff_t, 2>{784, 10}, false, false).ok);
static_assert(alg::matmul(std::array<std::ptrdiff_t, 2>{784, 10}, std::array<std::ptrdiff_t, 2>{784, 10}, true, false).dims ==
              std::array<std::ptrdiff_t, 2>{10, 10});
static_assert(alg::matmul(std::array<std::ptrdiff_t, 3>{7, 2, 3}, std::array<std::ptrdiff_t, 2>{3, 5}, false, false).dims ==
              std::array<std::ptrdiff_t, 3>{7, 2, 5});

// Reductions, with and without keepdims, negative axes.
static_assert(alg::reduce<3, 1, false>(std::array<std::ptrdiff_t, 3>{2, 3, 4}, std::array<int, 1>{1}) ==
              std::array<std::ptrdiff_t, 2>{2, 4});
static_assert(alg::reduce<3, 1, true>(std::array<std::ptrdiff_t, 3>{2, 3, 4}, std::array<int, 1>{-1}) ==
              std::array<std::ptrdiff_t, 3>{2, 3, 1});
static_assert(alg::reduce<3, 0, false>(std::array<std::ptrdiff_t, 3>{2, 3, 4}, std::array<int, 0>{}).size() == 0);
static_assert(alg::axes_valid<3>(std::array<int, 2>{0, -1}) && !alg::axes_valid<3>(std::array<int, 1>{3}) &&
              !alg::axes_valid<3>(std::array<int, 2>{1, -2}));

// reshape: one dyn plays -1; static element counts must agree.
static_assert(alg::reshape(std::array<std::ptrdiff_t, 2>{4, 6}, std::array<std::ptrdiff_t, 2>{dyn, 3}).dims ==
              std::array<std::ptrdiff_t, 2>{8, 3});
static_assert(!alg::reshape(std::array<std::ptrdiff_t, 2>{4, 6}, std::array<std::ptrdiff_t, 2>{5, 5}).ok);
static_assert(alg::reshape(std::array<std::ptrdiff_t, 2>{dyn, 784}, std::array<std::ptrdiff_t, 3>{dyn, 28, 28}).ok);
static_assert(!alg::reshape(std::array<std::ptrdiff_t, 1>{6}, std::array<std::ptrdiff_t, 2>{dyn, dyn}).ok);

// transpose, expand_dims, squeeze, concat.
static_assert(alg::transpose(std::array<std::ptrdiff_t, 3>{2, 3, 4}, std::array<int, 3>{2, 0, 1}) ==
              std::array<std::ptrdiff_t, 3>{4, 2, 3});
static_assert(alg::is_permutation(std::array<int, 3>{2, 0, 1}) && !alg::is_permutation(std::array<int, 3>{0, 0, 1}));
static_assert(alg::expand_dims(std::array<std::ptrdiff_t, 2>{2, 3}, 1) == std::array<std::ptrdiff_t, 3>{2, 1, 3});
static_assert(alg::squeeze<2>(std::array<std::ptrdiff_t, 3>{2, 1, 3}, std::array<int, 0>{}) == std::array<std::ptrdiff_t, 2>{2, 3});
static_assert(alg::concat(std::array<std::ptrdiff_t, 2>{2, 3}, std::array<std::ptrdiff_t, 2>{5, 3}, 0).dims ==
              std::array<std::ptrdiff_t, 2>{7, 3});
static_assert(!alg::concat(std::array<std::ptrdiff_t, 2>{2, 3}, std::array<std::ptrdiff_t, 2>{5, 4}, 0).ok);

// dtypes and their TF names.
static_assert(sl::dtype_of<float> == sl::dtype::float32 && sl::dtype_of<std::int64_t> == sl::dtype::int64);
static_assert(sl::dtype_name(sl::dtype::float64) == "float64" && sl::dtype_name(sl::dtype::bool_) == "bool");
static_assert(sl::dtype_name(sl::dtype::uint8) == "uint8" && sl::dtype_name(sl::dtype::int32) == "int32");
static_assert(!sl::Element<char> && sl::Element<bool> && sl::Floating<double> && !sl::Floating<int>);

TEST_CASE("run-time shapes print as TF prints them") {
  CHECK(sl::to_string(sl::dims{50, 2352}) == "(50, 2352)");
  CHECK(sl::to_string(sl::dims{7}) == "(7,)");
  CHECK(sl::to_string(sl::dims{}) == "()");
  CHECK(sl::static_shape_string(std::array<std::ptrdiff_t, 2>{dyn, 784}) == "(?, 784)");
  CHECK(sl::shape_fits(std::array<std::ptrdiff_t, 2>{dyn, 784}, sl::dims{3, 784}));
  CHECK_FALSE(sl::shape_fits(std::array<std::ptrdiff_t, 2>{dyn, 784}, sl::dims{3, 783}));
  CHECK_FALSE(sl::shape_fits(std::array<std::ptrdiff_t, 2>{dyn, 784}, sl::dims{784}));
  CHECK(sl::dims{2, 3, 4}.elements() == 24);
}

TEST_CASE("visit_dtype dispatches on the run-time tag") {
  auto size = [](sl::dtype t) { return sl::visit_dtype(t, []<class T>() { return sizeof(T); }); };
  CHECK(size(sl::dtype::float32) == 4);
  CHECK(size(sl::dtype::float64) == 8);
  CHECK(size(sl::dtype::int64) == 8);
  CHECK(size(sl::dtype::uint8) == 1);
  CHECK(size(sl::dtype::bool_) == sizeof(bool));
}
