"""The company's own cost model and settings: a config folder (shared/contracts.md §5).

`load_config(DIR)` reads and validates every file of DIR (a file DIR does not hold keeps
the shipped default of `DEFAULT_CONFIG_DIR`) and raises ConfigError with one line naming
the file, the row and what is wrong. `store.write_config` puts a validated config into
the warehouse (schema `config`), where dbt reads it as source `config`.
"""

from klantwaarde.config.files import (
    DEFAULT_CONFIG_DIR,
    DRIVERS,
    CompanyConfig,
    ConfigError,
    load_config,
)

__all__ = ["DEFAULT_CONFIG_DIR", "DRIVERS", "CompanyConfig", "ConfigError", "load_config"]
