// expect: sessionlib: this op takes float or double tensors only
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<std::int64_t, sl::shape<3>>(g);
  auto ok = sl::exp(sl::cast<double>(x));
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::exp(x);  // int64: cast to a float type first
  (void)bad;
#endif
}
