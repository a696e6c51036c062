{#- Every ERP customer number the warehouse knows: the master's customers, plus the
    numbers seen in invoice lines, payments or GL entries but absent from the master
    (inferred members, so that no euro loses its customer). -#}
with

erp_customers as (

    select * from {{ ref('stg_erp__customers') }}

),

invoice_lines as (

    select * from {{ ref('stg_erp__invoice_lines') }}

),

payments as (

    select * from {{ ref('stg_erp__payments') }}

),

gl_entries as (

    select * from {{ ref('stg_erp__gl_entries') }}

),

transaction_customer_numbers as (

    -- distinct per source first: the join below then probes 100k numbers, not every
    -- line and payment (16 M at 100,000 customers)
    select distinct customer_no, 'invoice_lines' as seen_in from invoice_lines
    union all
    select distinct customer_no, 'payments' as seen_in from payments
    union all
    select distinct customer_no, 'gl_entries' as seen_in from gl_entries

),

numbers_absent_from_master as (

    select
        trim(transaction_customer_numbers.customer_no) as customer_no,
        string_agg(distinct transaction_customer_numbers.seen_in, ';' order by transaction_customer_numbers.seen_in) as seen_in
    from transaction_customer_numbers
    left join erp_customers
        on trim(transaction_customer_numbers.customer_no) = erp_customers.customer_no
    where nullif(trim(transaction_customer_numbers.customer_no), '') is not null
        and erp_customers.customer_no is null
    group by 1

),

master_customers as (

    select
        customer_no,
        customer_name,
        vat_number,
        postcode,
        city,
        country_code,
        modified_at,
        false as is_inferred,
        cast(null as varchar) as inferred_from
    from erp_customers

),

inferred_customers as (

    select
        customer_no,
        cast(null as varchar) as customer_name,
        cast(null as varchar) as vat_number,
        cast(null as varchar) as postcode,
        cast(null as varchar) as city,
        cast(null as varchar) as country_code,
        cast(null as timestamp) as modified_at,
        true as is_inferred,
        seen_in as inferred_from
    from numbers_absent_from_master

),

final as (

    select * from master_customers
    union all
    select * from inferred_customers

)

select * from final
