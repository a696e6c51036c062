{#- General-ledger postings, latest version of each entry_no. Positive amounts are
    debits (cost), negative amounts credits (revenue). EUR: the books are kept in EUR. -#}
with

gl_entries as (

    select * from {{ latest_versions(
        source('erp', 'gl_entries'),
        ref('base_erp__gl_entries_superseded'),
        ['entry_no']
    ) }}

),

renamed as (

    select
        entry_no,
        cast(posting_date as date)          as posting_date,
        cast(date_trunc('month', posting_date) as date) as posting_month,
        cast(account_no as varchar)   as account_no,
        account_name,
        upper(nullif(cost_center, '')) as cost_center,
        cast(amount as decimal(18, 2))      as amount,
        description                         as entry_description,
        nullif(customer_no, '')       as customer_no,
        _extract_date                       as extract_date,
        _source_file                        as source_file,
        _line_no                            as source_line_no,
        _flags                              as load_flags,
        _loaded_at                          as loaded_at

    from gl_entries

),

final as (

    select * from renamed

)

select * from final
