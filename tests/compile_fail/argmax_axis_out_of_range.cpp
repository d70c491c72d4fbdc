// expect: sessionlib: reduce: axis out of range
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 10>>(g);
  auto ok = sl::argmax<1>(x);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::argmax<-3>(x);  // rank 2: axes are -2..1
  (void)bad;
#endif
}
