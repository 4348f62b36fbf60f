# kms_library(NAME <name> SRCS <files...> DEPS <targets...>)
# A static library whose include root is src/, so headers are included as "crypto/aes_gcm.h".
function(kms_library)
  cmake_parse_arguments(K "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${K_NAME} STATIC ${K_SRCS})
  target_include_directories(${K_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${K_NAME} PUBLIC ${K_DEPS})
endfunction()

# kms_test(NAME <name> SRCS <files...> DEPS <targets...>)
# A GoogleTest binary registered with CTest, one CTest entry per TEST.
function(kms_test)
  cmake_parse_arguments(K "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${K_NAME} ${K_SRCS})
  target_link_libraries(${K_NAME} PRIVATE ${K_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${K_NAME} PRIVATE
    KMS_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/test/vectors"
    KMS_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${K_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
