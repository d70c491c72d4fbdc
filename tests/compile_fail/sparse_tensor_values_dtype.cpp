// expect: sessionlib: SparseTensor: the values' dtype differs from T
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto indices = sl::placeholder<std::int64_t, sl::shape<sl::dyn, 2>>(g, "i");
  auto dense_shape = sl::placeholder<std::int64_t, sl::shape<2>>(g, "s");
  auto good = sl::placeholder<float, sl::shape<sl::dyn>>(g, "v");
  sl::SparseTensor<float, sl::shape<3, 4>> st(indices, good, dense_shape);
  (void)st;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::placeholder<double, sl::shape<sl::dyn>>(g, "w");
  sl::SparseTensor<float, sl::shape<3, 4>> wrong(indices, bad, dense_shape);
  (void)wrong;
#endif
}
