{#- Customer master: the latest version of each customer among the full snapshots up to
    the as-of date, renamed and cast, no joins. Usually that is the latest snapshot; a
    row the loader quarantined in the latest drop (a malformed date, a wrong column
    count) keeps its previous version instead of vanishing with its name and attributes
    (is_in_latest_snapshot = false), and so does a customer the ERP no longer exports. -#}
with

versions as (

    select * from {{ master_versions(source('erp', 'customers'), ['trim(customer_no)']) }}

),

renamed as (

    select
        trim(customer_no)                       as customer_no,
        name                                    as customer_name,
        nullif(trim(vat_number), '')            as vat_number,
        address_line,
        nullif(trim(postcode), '')              as postcode,
        city,
        upper(nullif(trim(country_code), ''))   as country_code,
        cast(payment_terms_days as integer)     as payment_terms_days,
        cast(credit_limit as decimal(18, 2))    as credit_limit,
        coalesce(is_blocked, false)             as is_blocked,
        cast(created_date as date)              as created_date,
        cast(modified_at as timestamp)          as modified_at,
        _extract_date                           as extract_date,
        _source_file                            as source_file,
        _line_no                                as source_line_no,
        _flags                                  as load_flags,
        _loaded_at                              as loaded_at,
        _line_no

    from versions

),

final as (

    select * from {{ latest_master_rows('renamed', ['customer_no']) }}

)

select * from final
