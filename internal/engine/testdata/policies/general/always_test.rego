package kvguard.general.always_test

# A test file the engine must skip: it would not compile as a policy (no METADATA).
test_skipped := true
