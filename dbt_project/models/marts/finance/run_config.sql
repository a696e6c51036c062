{#- The config this build read: its folder, fingerprint (sha256 over every file read) and
    the files (the folder's own or the shipped defaults), with the night it built. -#}
with

config_version as (

    select * from {{ ref('stg_config__config_version') }}

),

final as (

    select
        cast('{{ var("as_of_date") }}' as date)     as as_of_date,
        cast(config_dir as varchar)                 as config_dir,
        cast(config_fingerprint as varchar)         as config_fingerprint,
        cast(config_files as varchar)               as config_files
    from config_version

)

select * from final
