{#- Tickets: deltas, the latest version of each ticket. requester_email is personal data:
    only its lower-cased domain part leaves this model. -#}
with

tickets as (

    select * from {{ latest_versions(
        source('servicedesk', 'tickets'),
        ref('base_servicedesk__tickets_superseded'),
        ['ticket_id']
    ) }}

),

final as (

    select
        ticket_id,
        nullif(organization_id, '') as organization_id,
        nullif(lower(trim(split_part(requester_email, '@', 2))), '') as requester_domain,
        created_at,
        cast(created_at as date) as created_date,
        updated_at,
        solved_at,
        status as ticket_status,
        priority,
        channel,
        category,
        time_spent_minutes,
        satisfaction_rating,
        _extract_date as extract_date,
        _flags as load_flags,
        _loaded_at as loaded_at

    from tickets

)

select * from final
