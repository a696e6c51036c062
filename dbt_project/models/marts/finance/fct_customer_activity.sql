{{ monthly_incremental_config() }}
{#- Customer effort per customer and month: visits and calls (completed CRM activities)
    and service-desk tickets (by month created), with satisfaction ratings. -#}
with

customer_activity as (

    select * from {{ ref('int_customer_activity_monthly') }}

),

final as (

    select
        cast(customer_key as varchar)   as customer_key,
        cast(period_month as date)      as period_month,
        cast(visit_count as bigint)     as visit_count,
        cast(visit_minutes as bigint)   as visit_minutes,
        cast(call_count as bigint)      as call_count,
        cast(call_minutes as bigint)    as call_minutes,
        cast(ticket_count as bigint)    as ticket_count,
        cast(ticket_minutes as bigint)  as ticket_minutes,
        cast(tickets_rated as bigint)   as tickets_rated,
        cast(tickets_good as bigint)    as tickets_good
    from customer_activity
    where {{ rebuild_months_filter('period_month') }}

)

select * from final
