// expect: sessionlib: this op takes numeric tensors, not string
#include <sessionlib/sessionlib.hpp>
#include <string>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto s = sl::placeholder<std::string, sl::shape<sl::dyn>>(g, "s");
  auto ok = sl::identity(s);  // strings are moved, reshaped, queued and fed
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = s + s;  // strings take no arithmetic: sl::string_to_number<float>(s) first
  (void)bad;
#endif
}
