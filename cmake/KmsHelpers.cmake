# kms_library(NAME <name> SRCS <files...> DEPS <targets...>)
# A static library whose include root is src/, so headers are included as "crypto/aes_gcm.h".
function(kms_library)
  cmake_parse_arguments(K "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${K_NAME} STATIC ${K_SRCS})
  target_include_directories(${K_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${K_NAME} PUBLIC ${K_DEPS})
endfunction()

# kms_unity_build(<target>...)
# Compiles each listed target as a few large files instead of one per source. Worth it only for
# targets whose every file includes the same heavy headers (CLI11, Boost.Beast/Asio): each
# ehsm_cli_lib file spent ~10 s parsing CLI11 and Boost.JSON, a third of that as one file.
# Targets with file-local names that collide when concatenated are not listed.
# -DKMS_UNITY_BUILD=OFF compiles every file on its own (quicker edit-compile loops).
option(KMS_UNITY_BUILD "Compile the listed heavy-header targets as unity files" ON)
function(kms_unity_build)
  if(KMS_UNITY_BUILD)
    set_target_properties(${ARGN} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 16)
  endif()
endfunction()

# Test sources are most of the tree's compile time (GoogleTest, Boost.JSON and Beast in every
# file), and full debug information was half of it: a test file at -O2 -g took about twice as
# long as at -O1 -g1, which keeps line numbers for failures and sanitizer reports. The code
# under test, in the libraries, keeps the build type's flags. -DKMS_TEST_FLAGS= restores them.
set(KMS_TEST_FLAGS "-O1;-g1" CACHE STRING "extra compile flags of test sources (after the build type's)")

# kms_test(NAME <name> SRCS <files...> DEPS <targets...>)
# A GoogleTest binary registered with CTest, one CTest entry per TEST.
function(kms_test)
  cmake_parse_arguments(K "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${K_NAME} ${K_SRCS})
  target_compile_options(${K_NAME} PRIVATE ${KMS_TEST_FLAGS})
  target_link_libraries(${K_NAME} PRIVATE ${K_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${K_NAME} PRIVATE
    KMS_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/test/vectors"
    KMS_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${K_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
