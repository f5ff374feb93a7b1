# tflint for every terraform/ project (scripts/validate.ts passes it with --config). The terraform ruleset is
# bundled with tflint, so no `tflint --init` and no download: the plugin block below has no source/version.
config {
  # Inspect calls to local modules (../../modules/x) too; remote modules are never fetched.
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

# Beyond the preset: every variable and output says what it is for (terraform-docs builds the README from them).
rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_naming_convention" {
  enabled = true
}

rule "terraform_standard_module_structure" {
  enabled = true
}
