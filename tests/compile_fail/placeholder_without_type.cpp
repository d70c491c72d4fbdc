// expect: sessionlib: placeholder: give the dtype and shape as template arguments
// expect-first: sessionlib: placeholder: give the dtype and shape as template arguments
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto ok = sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "x");
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto x = sl::placeholder(g, "y");  // TF's tf.placeholder(tf.float32, ...) takes the dtype first
  (void)x;
#endif
}
