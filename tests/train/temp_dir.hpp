// A fresh directory under the system's temp directory, removed with its contents.
#pragma once

#include <filesystem>
#include <string>

#include <unistd.h>

namespace sessionlib_test {

struct temp_dir {
  std::filesystem::path path;
  explicit temp_dir(const std::string& tag = "sl") {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() / (tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace sessionlib_test
