module github.com/infra/talos-factory-oracle

go 1.26

require go.yaml.in/yaml/v4 v4.0.0-rc.6
