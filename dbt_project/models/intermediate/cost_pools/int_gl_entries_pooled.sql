{#- Step 1 of the path of one euro: every GL cost entry gets its cost pool (macro
    pooled_gl_cost_entries: which postings are cost, and which pool they go to). -#}
with

gl_entries as (

    select * from {{ ref('stg_erp__gl_entries') }}

),

pooled as (

    {{ pooled_gl_cost_entries('gl_entries') }}

),

final as (

    select
        entry_no,
        posting_date,
        posting_month                                   as period_month,
        account_no,
        account_name,
        cost_center,
        amount,
        customer_no,
        entry_description,
        cost_pool,
        is_unmapped
    from pooled

)

select * from final
