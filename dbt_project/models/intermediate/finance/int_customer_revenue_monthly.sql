{#- Revenue and COGS (doc block `revenue`, summed in int_erp_revenue_monthly) per
    customer_key × period_month: the ERP customer_no aggregates mapped to the conformed
    customer (unmatched numbers to the unassigned member) and added up, every month. -#}
with

erp_revenue_monthly as (

    select * from {{ ref('int_erp_revenue_monthly') }}

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}
    where system = 'erp'

),

final as (

    select
        {{ mapped_customer_key('customer_keys') }}                          as customer_key,
        erp_revenue_monthly.period_month,
        cast(sum(erp_revenue_monthly.revenue) as decimal(18, 2))           as revenue,
        cast(sum(erp_revenue_monthly.cogs) as decimal(18, 2))              as cogs,
        cast(sum(erp_revenue_monthly.invoice_line_count) as bigint)        as invoice_line_count,
        min(erp_revenue_monthly.first_invoice_date)                        as first_invoice_date,
        max(erp_revenue_monthly.last_invoice_date)                         as last_invoice_date
    from erp_revenue_monthly
    left join customer_keys
        on erp_revenue_monthly.customer_no = customer_keys.source_id
    group by 1, 2

)

select * from final
