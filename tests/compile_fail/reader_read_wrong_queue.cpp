// expect: sessionlib: read: the queue must hold file names
#include <sessionlib/input.hpp>
#include <string>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::TextLineReader reader(g);
  sl::FIFOQueue<std::string, sl::shape<>> files(g, 4);
  auto ok = reader.read(files);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  sl::FIFOQueue<std::int32_t, sl::shape<>> numbers(g, 4);
  auto bad = reader.read(numbers);  // a reader dequeues file names: a queue of scalar strings
  (void)bad;
#endif
}
