// expect: sessionlib: one_hot: indices must be uint8, int32 or int64
// expect-one-of: always_false<float>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto labels = sl::placeholder<std::int32_t, sl::shape<sl::dyn>>(g, "labels");
  auto ok = sl::one_hot<10>(labels);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto f = sl::placeholder<float, sl::shape<sl::dyn>>(g, "f");
  auto bad = sl::one_hot<10>(f);  // report::one_hot_indices_not_integer<float>
  (void)bad;
#endif
}
