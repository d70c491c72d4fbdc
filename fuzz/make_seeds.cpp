// Writes the seed corpora of the fuzz targets from real saves:
//   make_seeds <fuzz/corpus>
// checkpoint_index/: the index of a Saver checkpoint (and of an empty one);
// npy/: the data files of that save, and write_npy of every dtype and a few
// shapes; idx/: IDX files as MNIST ships them, plain and gzip'd.
// Built only with -Dfuzz=true, on demand: ninja -C build-fuzz fuzz/make_seeds
#include <filesystem>
#include <fstream>
#include <iostream>

#include <zlib.h>

#include <sessionlib/sessionlib.hpp>

namespace sl = sessionlib;
namespace fs = std::filesystem;

namespace {

void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string idx_bytes(const std::vector<std::uint32_t>& shape) {
  std::string s{'\0', '\0', '\x08', static_cast<char>(shape.size())};
  std::size_t n = 1;
  for (auto d : shape) {
    n *= d;
    for (int k = 3; k >= 0; --k) s += static_cast<char>((d >> (8 * k)) & 0xff);
  }
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(i * 37 % 256);
  return s;
}

void spit_gz(const fs::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb9");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds <corpus dir>\n";
    return 2;
  }
  const fs::path out = argv[1];
  for (const char* t : {"checkpoint_index", "npy", "idx"}) fs::create_directories(out / t);
  const fs::path work = fs::temp_directory_path() / ("sl_seeds_" + std::to_string(::getpid()));
  fs::create_directories(work);

  // A real save: variables of four dtypes and ranks 0 to 2.
  sl::Graph g;
  sl::Variable<float, sl::shape<2, 3>> w{g, xt::xtensor<float, 2>{{1.5f, -2.f, 0.f}, {3.f, 4.25f, -1.f}}, "dense/w"};
  sl::Variable<double, sl::shape<3>> b{g, xt::xtensor<double, 1>{0.5, -1.5, 2.25}, "dense/b"};
  sl::Variable<std::int32_t, sl::shape<2>> c{g, xt::xtensor<std::int32_t, 1>{-7, 70000}, "counts"};
  sl::Variable<std::int64_t, sl::shape<>> step{g, 42, "global_step"};
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const std::string path = sl::train::Saver(g).save(sess, (work / "model.ckpt").string(), 42);
  fs::copy_file(path + ".index", out / "checkpoint_index" / "model.ckpt-42.index", fs::copy_options::overwrite_existing);
  for (const auto& e : sl::train::read_checkpoint_index(path))
    fs::copy_file(work / e.file, out / "npy" / ("ckpt." + fs::path(e.file).filename().string()), fs::copy_options::overwrite_existing);
  sl::train::write_checkpoint_index(work / "empty", {});
  fs::copy_file(work / "empty.index", out / "checkpoint_index" / "empty.index", fs::copy_options::overwrite_existing);

  // write_npy of every dtype, and the shapes that are edge cases.
  auto npy = [&](const std::string& name, sl::dtype t, const sl::dims& d) {
    sl::any_array a(t, d);
    auto* p = static_cast<unsigned char*>(a.raw());
    for (std::size_t i = 0; i < a.nbytes(); ++i) p[i] = t == sl::dtype::bool_ ? i % 2 : static_cast<unsigned char>(i * 13);
    sl::train::write_npy(out / "npy" / (name + ".npy"), a);
  };
  npy("f4_2x2", sl::dtype::float32, {2, 2});
  npy("f8_3", sl::dtype::float64, {3});
  npy("i4_scalar", sl::dtype::int32, {});
  npy("i8_1x2x1", sl::dtype::int64, {1, 2, 1});
  npy("u1_0x3", sl::dtype::uint8, {0, 3});
  npy("b1_5", sl::dtype::bool_, {5});

  // Headers numpy writes that sessionlib reads or refuses: format 2.0, Fortran
  // order, big-endian, float16 (by hand, as numpy.save lays them out).
  auto by_hand = [&](const std::string& name, int major, const std::string& dict_text, std::size_t payload) {
    std::string dict = dict_text;
    const std::size_t pre = major == 1 ? 10 : 12;
    dict.append((64 - (pre + dict.size() + 1) % 64) % 64, ' ');
    dict += '\n';
    std::string bytes("\x93NUMPY", 6);
    bytes += static_cast<char>(major);
    bytes += '\0';
    for (std::size_t k = 0; k < pre - 8; ++k) bytes += static_cast<char>((dict.size() >> (8 * k)) & 0xff);
    spit(out / "npy" / (name + ".npy"), bytes + dict + std::string(payload, '\x11'));
  };
  by_hand("v2_i4_2", 2, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8);
  by_hand("fortran_f4_2x3", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24);
  by_hand("big_endian_f8_2", 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", 16);
  by_hand("f2_3", 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", 6);

  // IDX as MNIST ships it (images rank 3, labels rank 1), small.
  spit(out / "idx" / "images-idx3", idx_bytes({2, 3, 3}));
  spit(out / "idx" / "labels-idx1", idx_bytes({5}));
  spit(out / "idx" / "empty-idx3", idx_bytes({0, 28, 28}));
  spit_gz(out / "idx" / "images-idx3.gz", idx_bytes({2, 3, 3}));
  spit_gz(out / "idx" / "labels-idx1.gz", idx_bytes({5}));

  fs::remove_all(work);
  return 0;
}
