// expect: sessionlib: sparse_tensor_dense_matmul: inner dimensions differ
// expect-one-of: sparse_matmul_mismatch<100, 50> | [with long int InnerA = 100; long int InnerB = 50] | always_false_dims<100L, 50L>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, sl::shape<sl::dyn, 100>>(g, "sp");
  auto w = sl::placeholder<float, sl::shape<100, 10>>(g, "w");
  sl::Tensor<float, sl::shape<sl::dyn, 10>> good = sl::sparse_tensor_dense_matmul(sp, w);
  (void)good;
#if SESSIONLIB_CF_FAIL
  auto v = sl::placeholder<float, sl::shape<50, 10>>(g, "v");
  (void)sl::sparse_tensor_dense_matmul(sp, v);
#endif
}
